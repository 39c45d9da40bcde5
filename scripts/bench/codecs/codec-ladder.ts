import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { VideoCodec } from '../../../worker/src/contract/ladder-presets.ts';
import { DEFAULT_SCALER } from '../../../worker/src/transcode/encode/ladder-run.ts';
import type { VideoEncoder } from '../../../worker/src/transcode/encode/video/encoder.ts';
import { defaultEncoders } from '../../../worker/src/transcode/encode/video/encoders.ts';
import { layout } from '../../../worker/src/transcode/ladder/layout.ts';
import type { Cost } from '../measure.ts';
import { encodeMp4Ladder, roundScore, rungVmaf } from '../quality/ladder-quality.ts';
import type { VmafScore } from '../quality/vmaf.ts';
import type { VmafFfmpeg } from '../quality/vmaf-setup.ts';

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
  const cwd = join(options.workDir, `ladder-${options.codec}`);
  const { info, rungs, ladder } = await encodeMp4Ladder(
    options.sourcePath,
    { encoders: defaultEncoders({ [options.codec]: options.encoder }), scaler: DEFAULT_SCALER },
    cwd,
    { codec: options.codec, videoOnly: true, peakMemory: true },
  );
  const kbps = (name: string) =>
    Math.round((statSync(join(cwd, layout.mp4(name))).size * 8) / info.durationSeconds / 1000);
  const top = rungs[0]!;
  const vmaf = options.meter
    ? roundScore(
        await rungVmaf(
          options.meter,
          options.sourcePath,
          info,
          top,
          join(cwd, layout.mp4(top.name)),
        ),
      )
    : undefined;
  const result: CodecLadder = {
    codec: options.codec,
    label: options.label,
    cost: ladder,
    totalKbps: rungs.reduce((sum, r) => sum + kbps(r.name), 0),
    top: { name: top.name, kbps: kbps(top.name), ...(vmaf ? { vmaf } : {}) },
  };
  rmSync(cwd, { recursive: true, force: true });
  return result;
}
