import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoCodec } from '../../../worker/src/contract/ladder-presets.ts';
import {
  buildLadderInvocation,
  DEFAULT_SCALER,
} from '../../../worker/src/transcode/encode/ladder-run.ts';
import type { VideoEncoder } from '../../../worker/src/transcode/encode/video/encoder.ts';
import { defaultEncoders } from '../../../worker/src/transcode/encode/video/encoders.ts';
import { runFfprobe } from '../../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { toArgv } from '../../../worker/src/transcode/ffmpeg/invocation.ts';
import { planLadder } from '../../../worker/src/transcode/ladder/ladder.ts';
import { layout } from '../../../worker/src/transcode/ladder/layout.ts';
import { interpretProbe } from '../../../worker/src/transcode/source/probe.ts';
import { measure, type Cost } from '../measure.ts';
import { roundScore, rungVmaf } from '../quality/ladder-quality.ts';
import type { VmafScore } from '../quality/vmaf.ts';
import type { VmafFfmpeg } from '../quality/vmaf-setup.ts';

const PATHS = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' };

/** The whole standard ladder of one source in one codec, as the worker runs it. */
export interface CodecLadder {
  readonly codec: VideoCodec;
  readonly label: string;
  /** The run's CPU, wall time and peak memory (video only: the source's audio is left out). */
  readonly cost: Cost;
  /** Video bits of every rung's MP4 together, per second of source. */
  readonly totalKbps: number;
  readonly top: {
    readonly name: string;
    readonly kbps: number;
    /** With the meter set up. */
    readonly vmaf?: VmafScore;
  };
}

/**
 * Encodes the source's standard ladder (1080p..144p, with its CRF and peak caps) in one codec
 * by the worker's own single-decode command, MP4 only and without the audio, and measures the
 * top rung: what a codec costs for a whole job, and where its defaults put the picture.
 */
export async function codecLadder(options: {
  readonly sourcePath: string;
  readonly codec: VideoCodec;
  readonly label: string;
  readonly encoder: VideoEncoder;
  readonly workDir: string;
  readonly meter?: VmafFfmpeg;
}): Promise<CodecLadder> {
  const info = interpretProbe(await runFfprobe(PATHS, options.sourcePath));
  const { audio: _audio, ...video } = info;
  const rungs = planLadder(video, 'standard', [options.codec]);
  const cwd = join(options.workDir, `ladder-${options.codec}`);
  rmSync(cwd, { recursive: true, force: true });
  const inv = buildLadderInvocation({
    sourcePath: options.sourcePath,
    source: video,
    rungs,
    formats: ['mp4'],
    segmentSeconds: 4,
    encoders: defaultEncoders({ [options.codec]: options.encoder }),
    scaler: DEFAULT_SCALER,
    posterAtSeconds: false,
    thumbnails: false,
    cwd,
  });
  for (const d of inv.directories) mkdirSync(join(cwd, d), { recursive: true });
  const cost = await measure('ffmpeg', toArgv(inv), { cwd, peakMemory: true });
  const kbps = (file: string) =>
    Math.round((statSync(join(cwd, file)).size * 8) / info.durationSeconds / 1000);
  const top = rungs[0]!;
  const topFile = join(cwd, layout.mp4(top.name));
  const vmaf = options.meter
    ? roundScore(await rungVmaf(options.meter, options.sourcePath, info, top, topFile))
    : undefined;
  const result: CodecLadder = {
    codec: options.codec,
    label: options.label,
    cost,
    totalKbps: rungs.reduce((sum, r) => sum + kbps(layout.mp4(r.name)), 0),
    top: { name: top.name, kbps: kbps(layout.mp4(top.name)), ...(vmaf ? { vmaf } : {}) },
  };
  rmSync(cwd, { recursive: true, force: true });
  return result;
}
