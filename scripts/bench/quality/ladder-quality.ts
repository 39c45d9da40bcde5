import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildLadderInvocation } from '../../../worker/src/transcode/encode/ladder-run.ts';
import { DEFAULT_ENCODER, ladderEncoding, type EncoderSettings } from '../encoder.ts';
import { fpsExpression } from '../../../worker/src/transcode/ffmpeg/expressions.ts';
import { toArgv } from '../../../worker/src/transcode/ffmpeg/invocation.ts';
import { runFfprobe } from '../../../worker/src/transcode/ffmpeg/ffprobe.ts';
import type { VideoCodec } from '../../../worker/src/contract/ladder-presets.ts';
import type { Encoders } from '../../../worker/src/transcode/encode/video/encoder.ts';
import { planLadder, type PlannedRung } from '../../../worker/src/transcode/ladder/ladder.ts';
import { interpretProbe } from '../../../worker/src/transcode/source/probe.ts';
import type { SourceInfo } from '../../../worker/src/transcode/source/source-info.ts';
import { qualityAgainstSource } from '../../corpus/measure.ts';
import { measure, type Cost } from '../measure.ts';
import type { BenchSource } from '../sources.ts';
import { measureVmaf, type VmafScore } from './vmaf.ts';
import type { VmafFfmpeg } from './vmaf-setup.ts';

const PATHS = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' };

export interface RungQuality {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly kbps: number;
  /** Against the source taken through the worker's own picture path, scaled to the rung. */
  readonly psnrY?: number;
  readonly ssimY?: number;
  /** The rung upscaled (bicubic) to the source's size against the source: measureVmaf. */
  readonly vmaf?: VmafScore;
}

export interface QualityResult {
  readonly source: string;
  readonly seconds: number;
  /** What the picture path does to this source (tone mapping, colours), from the probe. */
  readonly picture: readonly string[];
  readonly ladder: Cost;
  readonly rungs: readonly RungQuality[];
}

/**
 * The standard ladder of one source, as the worker encodes it (MP4 only, one run), and every
 * rung's PSNR-Y and SSIM-Y against the source: decoded, put through the same deinterlacing,
 * tone mapping and colour conversion as the worker's, thinned to the rung's frame rate and
 * scaled to its size (bicubic). The scores measure the encode and the downscale; 45 dB and
 * 0.99 are visually lossless, below 35 dB and 0.95 artefacts show. With `vmaf`, each rung's
 * VMAF too, the other way round: the rung upscaled to the source's size, as Netflix measures.
 */
export async function benchQuality(
  source: BenchSource,
  options: { workDir: string; encoder?: EncoderSettings; vmaf?: VmafFfmpeg },
): Promise<QualityResult> {
  const out = join(options.workDir, 'quality', source.name);
  const { info, rungs, ladder } = await encodeMp4Ladder(
    source.path,
    ladderEncoding(options.encoder ?? DEFAULT_ENCODER),
    out,
  );
  const measured: RungQuality[] = [];
  for (const r of rungs) {
    const file = join(out, 'mp4', `${r.name}.mp4`);
    const q = await qualityAgainstSource(
      'ffmpeg',
      file,
      source.path,
      info.video.index,
      r,
      info.video.picture,
      r.frameStep > 1 ? fpsExpression(r.frameRate) : undefined,
    );
    const vmaf = options.vmaf
      ? await rungVmaf(options.vmaf, source.path, info, r, file)
      : undefined;
    measured.push({
      name: r.name,
      width: r.width,
      height: r.height,
      frameRate: Math.round(r.frameRate * 100) / 100,
      kbps: Math.round((statSync(file).size * 8) / source.seconds / 1000),
      ...(q ? { psnrY: q.psnrY, ssimY: q.ssimY } : {}),
      ...(vmaf ? { vmaf: roundScore(vmaf) } : {}),
    });
  }
  rmSync(out, { recursive: true, force: true });
  return {
    source: source.name,
    seconds: source.seconds,
    picture: info.video.picture?.notes ?? [],
    ladder,
    rungs: measured,
  };
}

/**
 * VMAF of one rung's file against its source: upscaled to the source's display size, at the
 * rung's frame rate, the source through the worker's picture path (see measureVmaf).
 */
export function rungVmaf(
  meter: VmafFfmpeg,
  sourcePath: string,
  info: SourceInfo,
  rung: Pick<PlannedRung, 'frameRate'>,
  file: string,
): Promise<VmafScore> {
  return measureVmaf({
    ffmpeg: meter.ffmpeg,
    source: sourcePath,
    distorted: file,
    size: { width: info.video.displayWidth, height: info.video.displayHeight },
    frameRate: fpsExpression(rung.frameRate),
    sourceStream: info.video.index,
    ...(info.video.picture ? { picture: info.video.picture } : {}),
  });
}

/** A score with two decimals, as the report prints and keeps it. */
export function roundScore(score: VmafScore): VmafScore {
  const r = (n: number) => Math.round(n * 100) / 100;
  return {
    ...score,
    mean: r(score.mean),
    harmonicMean: r(score.harmonicMean),
    min: r(score.min),
    p5: r(score.p5),
  };
}

/**
 * The standard ladder of a source as the worker encodes it, MP4 only, into a fresh `out`
 * directory, with the run's cost: what the quality section, the x264 sweep and the codec
 * comparison measure. `codec` encodes the ladder in that codec (default H.264); `videoOnly`
 * leaves the source's audio out; `peakMemory` reads ffmpeg's peak memory too (measure).
 */
export async function encodeMp4Ladder(
  sourcePath: string,
  encoding: { readonly encoders: Encoders; readonly scaler: string },
  out: string,
  options: { codec?: VideoCodec; videoOnly?: boolean; peakMemory?: boolean } = {},
): Promise<{ info: SourceInfo; rungs: PlannedRung[]; ladder: Cost }> {
  const info = interpretProbe(await runFfprobe(PATHS, sourcePath));
  const { audio: _audio, ...video } = info;
  const source = options.videoOnly ? video : info;
  const rungs = planLadder(source, 'standard', [options.codec ?? 'h264']);
  rmSync(out, { recursive: true, force: true });
  const inv = buildLadderInvocation({
    sourcePath,
    source,
    rungs,
    formats: ['mp4'],
    segmentSeconds: 4,
    ...encoding,
    posterAtSeconds: false,
    thumbnails: false,
    cwd: out,
  });
  for (const d of inv.directories) mkdirSync(join(out, d), { recursive: true });
  const ladder = await measure('ffmpeg', toArgv(inv), {
    cwd: out,
    ...(options.peakMemory ? { peakMemory: true } : {}),
  });
  return { info, rungs, ladder };
}
