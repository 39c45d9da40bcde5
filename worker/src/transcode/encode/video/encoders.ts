import { VIDEO_CODECS, type VideoCodec } from '../../../contract/ladder-presets.ts';
import { av1Encoder } from './av1.ts';
import type { Encoders } from './encoder.ts';
import { h264Encoder } from './h264.ts';
import { hevcEncoder } from './hevc.ts';

/** Every codec's encoder at the benchmark's settings; a caller may replace any. */
export function defaultEncoders(overrides: Partial<Encoders> = {}): Encoders {
  return { h264: h264Encoder(), hevc: hevcEncoder(), av1: av1Encoder(), ...overrides };
}

/**
 * Why a worker whose ffmpeg has only `available` encoders cannot write these codecs, naming the
 * ones it can; undefined when it can.
 */
export function codecsRefusal(
  codecs: readonly VideoCodec[],
  encoders: Encoders,
  available: ReadonlySet<string>,
): string | undefined {
  const missing = codecs.filter((c) => !available.has(encoders[c].ffmpegEncoder));
  if (missing.length === 0) return undefined;
  const usable = VIDEO_CODECS.filter((c) => available.has(encoders[c].ffmpegEncoder));
  const named = missing.map((c) => `${c} (${encoders[c].ffmpegEncoder})`).join(', ');
  return `codecs: this worker's ffmpeg has no encoder for ${named}; the codecs available here are ${usable.join(', ') || 'none'}`;
}
