import type { VideoEncoder } from './encoder.ts';

/**
 * SVT-AV1's settings. The defaults come from the benchmark's codec comparison (BD-rate by VMAF
 * against x264 veryfast, README "Codecs"): preset 9 needed 46% fewer bits on the camera source
 * and 42% on a real 720p clip for 2.3x H.264's CPU over the whole ladder; preset 8 saved 47%
 * for 3.1x (over the 3x budget), preset 10 32% for 1.6x. CRF + 12 sits between the
 * equal-quality offsets measured (+9 on the real clip, +16 on camera).
 */
export interface SvtAv1Settings {
  /** 0 (slowest, smallest) to 13 (fastest). */
  readonly preset: number;
  /** The ladder's CRF (an x264 scale, 0-51) mapped to SVT-AV1's (0-63): crf * scale + offset. */
  readonly crfScale: number;
  readonly crfOffset: number;
  /** The rung's peak cap times this: AV1 needs fewer bits for the same picture. */
  readonly capFactor: number;
}

export const DEFAULT_SVT_AV1: SvtAv1Settings = {
  preset: 9,
  crfScale: 1,
  crfOffset: 12,
  capFactor: 0.6,
};

/**
 * AV1 with SVT-AV1: Main profile, 8-bit 4:2:0, capped CRF (SVT-AV1's CRF under a maximum bit
 * rate), a key frame at every grid keyframe (forced key frames, which SVT-AV1 honours only when
 * asked to, in CRF mode with random access) and no others (closed GOPs, no scene detection).
 */
export function av1Encoder(settings: SvtAv1Settings = DEFAULT_SVT_AV1): VideoEncoder {
  return {
    codec: 'av1',
    ffmpegEncoder: 'libsvtav1',
    label: `SVT-AV1 preset ${settings.preset}`,
    pixelFormat: 'yuv420p',
    sharedOptions: (keyframes) => [
      ['preset', String(settings.preset)],
      ['force_key_frames', keyframes.forceExpression],
      ['g', String(keyframes.segmentFrames * 2)],
      // The sequence header as extradata, for the av1C box: the tee muxer does not ask for
      // global headers as MP4 would, and without them ffmpeg writes an empty av1C, which
      // browsers' decoders refuse.
      ['flags', '+global_header'],
    ],
    rungOptions: (rung) => [
      ['c', 'libsvtav1'],
      ['crf', String(av1Crf(rung.crf, settings))],
      ['maxrate', `${Math.round(rung.maxVideoKbps * settings.capFactor)}k`],
      ['bufsize', `${Math.round(rung.bufferKbps * settings.capFactor)}k`],
    ],
    contextOptions: () => [['svtav1-params', 'enable-force-key-frames=1:irefresh-type=2:scd=0']],
    codecString: ({ record }) => av1CodecString(record),
  };
}

/** The ladder's CRF on SVT-AV1's scale, within its range. */
export function av1Crf(
  crf: number,
  settings: Pick<SvtAv1Settings, 'crfScale' | 'crfOffset'>,
): number {
  return Math.min(63, Math.max(1, Math.round(crf * settings.crfScale + settings.crfOffset)));
}

/**
 * The AV1 codec string (AV1 ISOBMFF binding, "Codecs Parameter String") from an `av1C` record:
 * profile, level (seq_level_idx, two digits), tier and bit depth: `av01.0.08M.08`. Without a
 * record, Main at level 4.0, 8-bit.
 */
export function av1CodecString(record: Uint8Array | undefined): string {
  if (!record || record.length < 3) return 'av01.0.08M.08';
  const profile = record[1]! >> 5;
  const level = record[1]! & 0x1f;
  const tier = record[2]! & 0x80 ? 'H' : 'M';
  const highBitDepth = (record[2]! & 0x40) !== 0;
  const twelveBit = (record[2]! & 0x20) !== 0;
  const depth = highBitDepth ? (twelveBit ? 12 : 10) : 8;
  return `av01.${profile}.${String(level).padStart(2, '0')}${tier}.${String(depth).padStart(2, '0')}`;
}
