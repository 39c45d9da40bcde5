import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { buildLadderInvocation } from '../../worker/src/transcode/encode/ladder-run.ts';
import { DEFAULT_ENCODER, ladderEncoding, type EncoderSettings } from './encoder.ts';
import { toArgv, type FfmpegInvocation } from '../../worker/src/transcode/ffmpeg/invocation.ts';
import { runFfprobe } from '../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { INPUT_GUARD } from '../../worker/src/transcode/ffmpeg/input-guard.ts';
import { planLadder } from '../../worker/src/transcode/ladder/ladder.ts';
import { interpretProbe } from '../../worker/src/transcode/source/probe.ts';
import type { SourceInfo } from '../../worker/src/transcode/source/source-info.ts';
import { measure, median, type Cost } from './measure.ts';
import type { BenchSource } from './sources.ts';
import { roundScore, rungVmaf } from './quality/ladder-quality.ts';
import type { VmafScore } from './quality/vmaf.ts';
import type { VmafFfmpeg } from './quality/vmaf-setup.ts';

const run = promisify(execFile);
const PATHS = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' };

export interface LadderResult {
  readonly source: string;
  readonly seconds: number;
  readonly rungs: readonly string[];
  readonly encoder: EncoderSettings;
  /** (a) one ffmpeg process per rung, each decoding the source. */
  readonly naive: Cost;
  /** (b) the project's single-decode ladder. */
  readonly single: Cost;
  /** (c) the same encodes fed from pre-decoded frames: the encoder-only floor. */
  readonly floor: Cost;
  /** (d) decoding the source once and nothing else: work no ladder can avoid. */
  readonly decode: Cost;
  /** VMAF of (b)'s top rung (its MP4) against the source, when the meter is set up. */
  readonly topVmaf?: VmafScore & { readonly rung: string };
  readonly ratios: {
    readonly singleToNaiveCpu: number;
    readonly singleToNaiveWall: number;
    readonly singleToFloorCpu: number;
    readonly singleToFloorPlusDecodeCpu: number;
    readonly realtimeFactor: number;
  };
}

/**
 * The ladder benchmark: (a), (b), (c) and (d) for one source, each the median of `runs`, run
 * one after the other on the same machine so their ratios compare like with like.
 */
export async function benchLadder(
  source: BenchSource,
  options: { workDir: string; runs: number; encoder?: EncoderSettings; vmaf?: VmafFfmpeg },
): Promise<LadderResult> {
  const encoder = options.encoder ?? DEFAULT_ENCODER;
  const info = interpretProbe(await runFfprobe(PATHS, source.path));
  const rungs = planLadder(info, 'standard');
  const out = join(options.workDir, 'out');
  const spec = (sourcePath: string, src: SourceInfo, only?: number) => ({
    sourcePath,
    source: src,
    rungs: only === undefined ? rungs : [rungs[only]!],
    formats: ['hls', 'mp4'] as const,
    segmentSeconds: 4,
    ...ladderEncoding(encoder),
    posterAtSeconds: only === undefined || only === 0 ? 1 : (false as const),
    thumbnails: false as const,
    cwd: out,
  });
  const runInvocation = async (inv: FfmpegInvocation): Promise<Cost> => {
    rmSync(out, { recursive: true, force: true });
    for (const d of inv.directories) mkdirSync(join(out, d), { recursive: true });
    return measure('ffmpeg', toArgv(inv), { cwd: out });
  };

  // The floor's input: every frame decoded once, stored raw (not timed).
  const raw = join(options.workDir, `${source.name}-${source.seconds}s.nut`);
  if (!existsSync(raw)) {
    mkdirSync(options.workDir, { recursive: true });
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      source.path,
      '-map',
      '0:v:0',
      '-map',
      '0:a:0',
      '-c:v',
      'rawvideo',
      '-pix_fmt',
      'yuv420p',
      '-c:a',
      'pcm_s16le',
      '-y',
      raw,
    ]);
  }
  const rawInfo = interpretProbeAllowingNut(
    await runFfprobe(PATHS, raw).catch(async () => probeRaw(raw)),
  );
  const floorInvocation = (): FfmpegInvocation => {
    const inv = buildLadderInvocation(spec(raw, rawInfo));
    // Our own raw file: let the demuxer guard admit nut.
    const guard = inv.inputOptions.indexOf('-format_whitelist');
    const inputOptions = [...inv.inputOptions];
    inputOptions[guard + 1] = `${inputOptions[guard + 1]},nut`;
    return { ...inv, inputOptions };
  };

  const top = rungs[0]!;
  const topFile = join(options.workDir, `${source.name}-${top.name}.mp4`);
  const samples = {
    naive: [] as Cost[],
    single: [] as Cost[],
    floor: [] as Cost[],
    decode: [] as Cost[],
  };
  for (let i = 0; i < options.runs; i++) {
    let naive: Cost = { wallSeconds: 0, cpuSeconds: 0 };
    for (let r = 0; r < rungs.length; r++) {
      const cost = await runInvocation(buildLadderInvocation(spec(source.path, info, r)));
      naive = {
        wallSeconds: naive.wallSeconds + cost.wallSeconds,
        cpuSeconds: naive.cpuSeconds + cost.cpuSeconds,
      };
    }
    samples.naive.push(naive);
    samples.single.push(await runInvocation(buildLadderInvocation(spec(source.path, info))));
    // The top rung as the worker wrote it, kept for VMAF after the timed runs.
    if (options.vmaf && i === options.runs - 1)
      copyFileSync(join(out, 'mp4', `${top.name}.mp4`), topFile);
    samples.floor.push(await runInvocation(floorInvocation()));
    samples.decode.push(
      await measure('ffmpeg', [
        '-v',
        'error',
        ...INPUT_GUARD,
        '-i',
        source.path,
        '-map',
        '0:v:0',
        '-map',
        '0:a:0',
        '-f',
        'null',
        '-',
      ]),
    );
  }
  rmSync(out, { recursive: true, force: true });
  const topVmaf = options.vmaf
    ? await rungVmaf(options.vmaf, source.path, info, top, topFile)
    : undefined;
  if (options.vmaf) rmSync(topFile, { force: true });
  const med = (xs: Cost[]): Cost => ({
    wallSeconds: round(median(xs.map((x) => x.wallSeconds))),
    cpuSeconds: round(median(xs.map((x) => x.cpuSeconds))),
  });
  const naive = med(samples.naive);
  const single = med(samples.single);
  const floor = med(samples.floor);
  const decode = med(samples.decode);
  return {
    source: source.name,
    seconds: source.seconds,
    rungs: rungs.map((r) => r.name),
    encoder,
    naive,
    single,
    floor,
    decode,
    ...(topVmaf ? { topVmaf: { ...roundScore(topVmaf), rung: top.name } } : {}),
    // Pair by pair: each run's ratio from the four measurements taken back to back, then the
    // median, so a noisy moment skews one pair rather than one side of every ratio.
    ratios: {
      singleToNaiveCpu: pairwise(
        samples.single,
        samples.naive,
        (b, a) => b.cpuSeconds / a.cpuSeconds,
      ),
      singleToNaiveWall: pairwise(
        samples.single,
        samples.naive,
        (b, a) => b.wallSeconds / a.wallSeconds,
      ),
      singleToFloorCpu: pairwise(
        samples.single,
        samples.floor,
        (b, c) => b.cpuSeconds / c.cpuSeconds,
      ),
      singleToFloorPlusDecodeCpu: round(
        median(
          samples.single.map(
            (b, i) => b.cpuSeconds / (samples.floor[i]!.cpuSeconds + samples.decode[i]!.cpuSeconds),
          ),
        ),
      ),
      realtimeFactor: round(median(samples.single.map((b) => source.seconds / b.wallSeconds))),
    },
  };
}

function interpretProbeAllowingNut(json: Awaited<ReturnType<typeof runFfprobe>>): SourceInfo {
  const format = json.format ?? {};
  return interpretProbe({ ...json, format: { ...format, format_name: 'matroska' } });
}

/** ffprobe with the guard refuses nut; probe our own raw file without it. */
async function probeRaw(path: string): Promise<Awaited<ReturnType<typeof runFfprobe>>> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_format',
    '-show_streams',
    '-of',
    'json',
    path,
  ]);
  return JSON.parse(stdout) as Awaited<ReturnType<typeof runFfprobe>>;
}

function pairwise(
  xs: readonly Cost[],
  ys: readonly Cost[],
  ratio: (x: Cost, y: Cost) => number,
): number {
  return round(median(xs.map((x, i) => ratio(x, ys[i]!))));
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
