import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  buildLadderInvocation,
  toArgv,
  type EncoderSettings,
} from '../../worker/src/transcode/ffmpeg-args.ts';
import { runFfprobe } from '../../worker/src/transcode/ffmpeg.ts';
import { planLadder } from '../../worker/src/transcode/ladder.ts';
import { interpretProbe } from '../../worker/src/transcode/probe.ts';
import { measure, type Cost } from './measure.ts';
import type { BenchSource } from './sources.ts';

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
  const info = interpretProbe(
    await runFfprobe({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }, source.path),
  );
  const rungs = planLadder(info, 'standard');
  const out = join(workDir, 'sweep');
  rmSync(out, { recursive: true, force: true });
  const inv = buildLadderInvocation({
    sourcePath: source.path,
    source: info,
    rungs,
    formats: ['mp4'],
    segmentSeconds: 4,
    encoder,
    posterAtSeconds: false,
    thumbnails: false,
    cwd: out,
  });
  for (const d of inv.directories) mkdirSync(join(out, d), { recursive: true });
  const cost = await measure('ffmpeg', toArgv(inv), { cwd: out });
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
