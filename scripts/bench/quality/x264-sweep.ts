import { execFile } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ladderEncoding, type EncoderSettings } from '../encoder.ts';
import { pad } from '../format.ts';
import type { Cost } from '../measure.ts';
import { encodeMp4Ladder } from './ladder-quality.ts';
import type { BenchSource } from '../sources.ts';

const run = promisify(execFile);

export interface SweepPoint {
  readonly source: string;
  readonly encoder: EncoderSettings;
  readonly cost: Cost;
  /** Bytes of every MP4 rendition together. */
  readonly bytes: number;
  /** SSIM of the top rendition against the source (same size), 1 = identical. */
  readonly topSsim: number;
}

/** The single-decode ladder under one encoder setting: CPU, output size and quality. */
export async function sweepPoint(
  source: BenchSource,
  encoder: EncoderSettings,
  workDir: string,
): Promise<SweepPoint> {
  const out = join(workDir, 'sweep');
  const { rungs, ladder: cost } = await encodeMp4Ladder(source.path, ladderEncoding(encoder), out);
  const bytes = rungs.reduce((sum, r) => sum + statSync(join(out, 'mp4', `${r.name}.mp4`)).size, 0);
  const top = join(out, 'mp4', `${rungs[0]!.name}.mp4`);
  const { stderr } = await run('ffmpeg', [
    '-v',
    'info',
    '-nostats',
    '-i',
    top,
    '-i',
    source.path,
    '-lavfi',
    `[1:v]scale=${rungs[0]!.width}:${rungs[0]!.height}[ref];[0:v][ref]ssim`,
    '-f',
    'null',
    '-',
  ]);
  const ssim = Number(/All:([\d.]+)/.exec(stderr)?.[1] ?? NaN);
  rmSync(out, { recursive: true, force: true });
  return { source: source.name, encoder, cost, bytes, topSsim: ssim };
}

/** The x264 preset / scaler / threads sweep (`--sweep`) over the ladder section's sources. */
export async function sweepSection(
  sources: readonly BenchSource[],
  workDir: string,
): Promise<SweepPoint[]> {
  const sweep: SweepPoint[] = [];
  console.log(
    '\nx264 sweep (single-decode ladder, MP4 only): CPU-s, total MiB, SSIM of the top rung vs source',
  );
  console.log(pad(['source', 'preset', 'scaler', 'threads', 'CPU-s', 'wall s', 'MiB', 'SSIM']));
  for (const source of sources) {
    for (const preset of ['superfast', 'veryfast', 'faster']) {
      for (const scaler of ['bicubic', 'bilinear']) {
        for (const threadsPerRung of [0, 1]) {
          const p = await sweepPoint(source, { preset, scaler, threadsPerRung }, workDir);
          sweep.push(p);
          console.log(
            pad([
              p.source,
              preset,
              scaler,
              threadsPerRung === 0 ? 'auto' : String(threadsPerRung),
              p.cost.cpuSeconds.toFixed(1),
              p.cost.wallSeconds.toFixed(1),
              (p.bytes / 2 ** 20).toFixed(1),
              p.topSsim.toFixed(4),
            ]),
          );
        }
      }
    }
  }
  return sweep;
}
