import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { deinterlaceFilters } from '../../../worker/src/transcode/picture/interlace.ts';
import { scalerColour, toneMapFilters } from '../../../worker/src/transcode/picture/colour.ts';
import type { PicturePath } from '../../../worker/src/transcode/picture/picture-path.ts';

const run = promisify(execFile);

/** libvmaf's default model in ffmpeg 7.0.2: for 1080p viewed at three picture heights. */
export const VMAF_MODEL = 'vmaf_v0.6.1';
/** The log libvmaf writes, in the run's own temporary directory (no path to escape). */
const LOG_FILE = 'vmaf.json';

/**
 * One VMAF measurement, as Netflix measures a ladder: the distorted encode upscaled (bicubic)
 * to the source's display size, against the source at that size.
 */
export interface VmafRequest {
  /** An ffmpeg with the libvmaf filter (.local/vmaf/ffmpeg: vmaf-setup.ts). */
  readonly ffmpeg: string;
  /** The reference: the original the encode was made from. */
  readonly source: string;
  /** The encode to score. */
  readonly distorted: string;
  /** Where both are compared: the source's display size. */
  readonly size: { readonly width: number; readonly height: number };
  /**
   * Compare at this frame rate (an ffmpeg rate: `30`, `30000/1001`): the encode's, when it
   * keeps fewer frames than the source (a 60 fps source's 30 fps rungs); both inputs are
   * brought to it from their first frame, so the frames kept are the ones the ladder keeps.
   * Unset: frames are paired by timestamp, each input starting at 0.
   */
  readonly frameRate?: string;
  /** The source's video stream (absolute index); default its first video stream. */
  readonly sourceStream?: number;
  /**
   * The worker's picture path for the source: the reference is deinterlaced, tone-mapped and
   * converted to BT.709 as the encode was, so the score measures the encode, not the conversion.
   */
  readonly picture?: PicturePath;
  /** libvmaf's threads; default every core. */
  readonly threads?: number;
  /** Score every n-th frame only (libvmaf's n_subsample); default 1, every frame. */
  readonly subsample?: number;
}

export interface VmafScore {
  /** The arithmetic mean over the frames: the figure usually quoted. */
  readonly mean: number;
  /** Pulled down by bad frames more than the mean is. */
  readonly harmonicMean: number;
  readonly min: number;
  /** The 5th percentile of the frames' scores (linear between ranks): the bad moments. */
  readonly p5: number;
  /** Frames scored. */
  readonly frames: number;
  readonly model: string;
}

/** ffmpeg's arguments for one measurement (pure); it writes `vmaf.json` in its cwd. */
export function vmafArgv(req: Omit<VmafRequest, 'ffmpeg'>, threads: number): string[] {
  const { width, height } = req.size;
  const rate = req.frameRate === undefined ? [] : [`fps=${req.frameRate}`];
  const colour = req.picture ? `:${scalerColour(req.picture)}` : '';
  const reference = [
    ...deinterlaceFilters(req.picture),
    'setpts=PTS-STARTPTS',
    ...rate,
    ...toneMapFilters(req.picture),
    `scale=${width}:${height}:flags=bicubic${colour}`,
    'setsar=1',
    'format=yuv420p',
  ];
  const distorted = [
    'setpts=PTS-STARTPTS',
    ...rate,
    `scale=${width}:${height}:flags=bicubic`,
    'setsar=1',
    'format=yuv420p',
  ];
  const vmaf = [
    `model=version=${VMAF_MODEL}`,
    `n_threads=${threads}`,
    ...(req.subsample && req.subsample > 1 ? [`n_subsample=${req.subsample}`] : []),
    'log_fmt=json',
    `log_path=${LOG_FILE}`,
    'shortest=1',
  ].join(':');
  const sourceStream = req.sourceStream === undefined ? 'v:0' : String(req.sourceStream);
  return [
    ...['-hide_banner', '-nostdin', '-v', 'error'],
    ...['-i', req.distorted, '-i', req.source],
    '-filter_complex',
    `[0:v:0]${distorted.join(',')}[distorted];[1:${sourceStream}]${reference.join(',')}[reference];` +
      `[distorted][reference]libvmaf=${vmaf}`,
    ...['-an', '-sn', '-dn', '-f', 'null', '-'],
  ];
}

/** The scores from libvmaf's JSON log (log_fmt=json). */
export function parseVmafLog(json: string): VmafScore {
  const log = JSON.parse(json) as {
    frames?: { metrics?: { vmaf?: number } }[];
    pooled_metrics?: { vmaf?: { min?: number; mean?: number; harmonic_mean?: number } };
  };
  const scores = (log.frames ?? []).map((f) => f.metrics?.vmaf);
  const pooled = log.pooled_metrics?.vmaf;
  if (
    scores.length === 0 ||
    scores.some((s) => typeof s !== 'number') ||
    typeof pooled?.mean !== 'number' ||
    typeof pooled.harmonic_mean !== 'number' ||
    typeof pooled.min !== 'number'
  ) {
    throw new Error(
      'VMAF log without per-frame vmaf scores and pooled_metrics.vmaf: was it written by libvmaf 2.x with log_fmt=json?',
    );
  }
  return {
    mean: pooled.mean,
    harmonicMean: pooled.harmonic_mean,
    min: pooled.min,
    p5: percentile(scores as number[], 0.05),
    frames: scores.length,
    model: VMAF_MODEL,
  };
}

/** The p-quantile of values, linear between closest ranks (numpy's default). */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

/**
 * Scores `distorted` against `source` with libvmaf (see VmafRequest). Throws with the end of
 * ffmpeg's stderr when the measurement fails.
 */
export async function measureVmaf(req: VmafRequest): Promise<VmafScore> {
  const dir = await mkdtemp(join(tmpdir(), 'vmaf-'));
  const threads = req.threads ?? availableParallelism();
  const argv = vmafArgv(
    { ...req, source: resolve(req.source), distorted: resolve(req.distorted) },
    threads,
  );
  try {
    await run(req.ffmpeg, argv, { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
    return parseVmafLog(await readFile(join(dir, LOG_FILE), 'utf8'));
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim().split('\n').slice(-3).join(' | ');
    throw new Error(
      `VMAF of ${req.distorted} against ${req.source} failed: ${stderr || (err as Error).message}; check both files decode (ffmpeg -i) and that ${req.ffmpeg} lists libvmaf (npm run bench:setup)`,
      { cause: err },
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
