import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildLadderInvocation,
  DEFAULT_SCALER,
} from '../../../worker/src/transcode/encode/ladder-run.ts';
import type { VideoEncoder } from '../../../worker/src/transcode/encode/video/encoder.ts';
import { defaultEncoders } from '../../../worker/src/transcode/encode/video/encoders.ts';
import { runFfprobe } from '../../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { toArgv, type FfmpegInvocation } from '../../../worker/src/transcode/ffmpeg/invocation.ts';
import { planLadder, type PlannedRung } from '../../../worker/src/transcode/ladder/ladder.ts';
import { layout } from '../../../worker/src/transcode/ladder/layout.ts';
import { interpretProbe } from '../../../worker/src/transcode/source/probe.ts';
import type { SourceInfo } from '../../../worker/src/transcode/source/source-info.ts';
import { measure, type Cost } from '../measure.ts';
import { MIN_POINTS, type RatePoint } from './bd-rate.ts';
import { roundScore, rungVmaf } from './ladder-quality.ts';
import type { VmafScore } from './vmaf.ts';
import type { VmafFfmpeg } from './vmaf-setup.ts';

/**
 * A rate-quality curve for codec comparisons: one rung of a source encoded at several CRFs by
 * the worker's own single-rung ladder command with a given encoder (encode/video/), each point
 * its bits, VMAF and CPU. Two curves give a BD-rate (bd-rate.ts).
 */
export interface RatePointsSpec {
  /** The source file. */
  readonly source: string;
  /** A rung of the source's `standard` ladder by name (`1080p`), or a planned rung as is. */
  readonly rung: string | PlannedRung;
  /** The codec under test: the rung's CRF is replaced by each of `crfs`. */
  readonly encoder: VideoEncoder;
  /**
   * `ladder` keeps the rung's peak cap and buffer (what viewers get; a cap that binds bends the
   * curve, and on a clip of a few seconds the buffer alone decides the low CRFs); `off` lifts
   * them out of reach (100 Mb/s) so the CRF alone decides: the curve a codec comparison wants.
   * Default `off`.
   */
  readonly caps?: 'ladder' | 'off';
  /**
   * At least four, on the ladder's CRF scale (x264's): the encoder maps each to its own as the
   * worker does (x265 adds its offset, SVT-AV1 scales and offsets).
   */
  readonly crfs: readonly number[];
  readonly meter: VmafFfmpeg;
  /** Scratch space; each point's file is deleted once measured. */
  readonly workDir: string;
  /** The ffmpeg that encodes (default: the machine's, as the worker runs it). */
  readonly ffmpeg?: string;
  readonly scaler?: string;
}

export interface MeasuredRatePoint extends RatePoint {
  readonly crf: number;
  /** The MP4's bytes (video only) over the source's duration. */
  readonly bytes: number;
  readonly cost: Cost;
  readonly score: VmafScore;
}

/**
 * A peak rate no rung reaches: the cap is still written (every encoder writes one), never
 * binds. 100 Mb/s, SVT-AV1's highest maximum (it refuses a larger one).
 */
const UNCAPPED_KBPS = 100_000;

/** The single-rung, video-only MP4 command for one CRF (pure): what ratePoints runs. */
export function ratePointInvocation(options: {
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly rung: PlannedRung;
  readonly crf: number;
  readonly caps: 'ladder' | 'off';
  readonly encoder: VideoEncoder;
  readonly scaler: string;
  readonly cwd: string;
}): FfmpegInvocation {
  // Video bits alone: the source's audio is left out of the run.
  const { audio: _audio, ...video } = options.source;
  const { audioKbps: _kbps, ...rung } = options.rung;
  const caps =
    options.caps === 'off' ? { maxVideoKbps: UNCAPPED_KBPS, bufferKbps: UNCAPPED_KBPS } : {};
  return buildLadderInvocation({
    sourcePath: options.sourcePath,
    source: video,
    rungs: [{ ...rung, codec: options.encoder.codec, crf: options.crf, ...caps }],
    formats: ['mp4'],
    segmentSeconds: 4,
    encoders: defaultEncoders({ [options.encoder.codec]: options.encoder }),
    scaler: options.scaler,
    posterAtSeconds: false,
    thumbnails: false,
    cwd: options.cwd,
  });
}

/** Encodes and measures every CRF of `spec`, one after the other; the points in CRF order. */
export async function ratePoints(spec: RatePointsSpec): Promise<MeasuredRatePoint[]> {
  if (spec.crfs.length < MIN_POINTS) {
    throw new Error(
      `ratePoints: ${spec.crfs.length} CRF(s) given; a BD-rate needs at least ${MIN_POINTS} points per curve`,
    );
  }
  const info = interpretProbe(
    await runFfprobe({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' }, spec.source),
  );
  const rung = typeof spec.rung === 'string' ? findRung(info, spec.rung) : spec.rung;
  const points: MeasuredRatePoint[] = [];
  for (const crf of spec.crfs) {
    const cwd = join(spec.workDir, `rate-${rung.name}-${crf}`);
    rmSync(cwd, { recursive: true, force: true });
    const inv = ratePointInvocation({
      sourcePath: spec.source,
      source: info,
      rung,
      crf,
      caps: spec.caps ?? 'off',
      encoder: spec.encoder,
      scaler: spec.scaler ?? DEFAULT_SCALER,
      cwd,
    });
    for (const d of inv.directories) mkdirSync(join(cwd, d), { recursive: true });
    const cost = await measure(spec.ffmpeg ?? 'ffmpeg', toArgv(inv), { cwd });
    const file = join(cwd, layout.mp4(rung.name));
    const bytes = statSync(file).size;
    const score = roundScore(await rungVmaf(spec.meter, spec.source, info, rung, file));
    rmSync(cwd, { recursive: true, force: true });
    points.push({
      crf,
      kbps: Math.round((bytes * 8) / info.durationSeconds / 10) / 100,
      vmaf: score.mean,
      bytes,
      cost,
      score,
    });
  }
  return points;
}

function findRung(info: SourceInfo, name: string): PlannedRung {
  const rungs = planLadder(info, 'standard');
  const rung = rungs.find((r) => r.name === name);
  if (!rung) {
    throw new Error(
      `ratePoints: the source's standard ladder has no ${name} rung (it has ${rungs.map((r) => r.name).join(', ')}); name one of those or pass a planned rung`,
    );
  }
  return rung;
}
