import type { EncoderOption, VideoEncoder } from './encoder.ts';

/**
 * x265's settings. The defaults come from the benchmark's codec comparison (BD-rate by VMAF
 * against x264 veryfast, README "Codecs"): `medium` needed 26% fewer bits than x264 on the
 * camera source and 42% on a real 720p clip, where `faster` saved 3% and 38%, for 3.2x
 * H.264's CPU over the whole ladder (`faster`: 2.0x). At the ladder's CRF + 2 x265 matches
 * x264's VMAF (the equal-quality CRF measured +2.1 to +3.2); 0.7 of the cap leaves room for
 * those savings.
 */
export interface X265Settings {
  readonly preset: string;
  /** Added to the ladder's CRF (an x264 scale): x265 reaches the same VMAF at a higher CRF. */
  readonly crfOffset: number;
  /** The rung's peak cap times this: HEVC needs fewer bits for the same picture. */
  readonly capFactor: number;
}

export const DEFAULT_X265: X265Settings = { preset: 'medium', crfOffset: 2, capFactor: 0.7 };

/**
 * HEVC with libx265: Main (8-bit 4:2:0, the SDR outputs), in an `hvc1` sample entry (parameter
 * sets in the sample description only, which Safari and Apple's HLS require), capped quality
 * (CRF under a peak cap), an IDR at every grid keyframe (closed GOPs, no scene-cut keyframes),
 * so that every rung's segments start on the same frame as H.264's.
 */
export function hevcEncoder(settings: X265Settings = DEFAULT_X265): VideoEncoder {
  return {
    codec: 'hevc',
    ffmpegEncoder: 'libx265',
    label: `x265 ${settings.preset}`,
    pixelFormat: 'yuv420p',
    sharedOptions: (keyframes) => [
      ['preset', settings.preset],
      ['tag', 'hvc1'],
      ['force_key_frames', keyframes.forceExpression],
      ['forced-idr', '1'],
      ['g', String(keyframes.segmentFrames * 2)],
    ],
    rungOptions: (rung) => [
      ['c', 'libx265'],
      ['crf', String(rung.crf + settings.crfOffset)],
      ['maxrate', `${Math.round(rung.maxVideoKbps * settings.capFactor)}k`],
      ['bufsize', `${Math.round(rung.bufferKbps * settings.capFactor)}k`],
    ],
    contextOptions: (context) => [
      [
        'x265-params',
        [
          // x265 prints its settings and statistics on stderr, where ffmpeg's errors are read.
          'log-level=error',
          // No informational SEI in the stream headers (hvcC): it spells out every setting, so a
          // chunk's (vbv-init below) would differ from the first's, and a long source's chunks
          // share one init segment.
          'info=0',
          'scenecut=0',
          'open-gop=0',
          // As x264's (h264.ts): a chunk after the first starts with a half-full buffer.
          ...(context.continuesStream ? ['vbv-init=0.5'] : []),
        ].join(':'),
      ] as EncoderOption,
    ],
    codecString: ({ record }) => hevcCodecString(record),
  };
}

/**
 * The HEVC codec string (ISO 14496-15 annex E) from an `hvcC` record: profile space and
 * profile, the compatibility flags in reverse bit order, tier and level, and the constraint
 * bytes without trailing zeros (x265's Main, progressive: `hvc1.1.6.L93.90`). Without a record,
 * Main at level 4 as x265 writes HD.
 */
export function hevcCodecString(record: Uint8Array | undefined): string {
  if (!record || record.length < 13) return 'hvc1.1.6.L120.90';
  const space = ['', 'A', 'B', 'C'][record[1]! >> 6]!;
  const tier = record[1]! & 0x20 ? 'H' : 'L';
  const profile = record[1]! & 0x1f;
  const flags = new DataView(record.buffer, record.byteOffset, record.length).getUint32(2);
  let reversed = 0;
  for (let bit = 0; bit < 32; bit++) if (flags & (1 << bit)) reversed |= 1 << (31 - bit);
  const constraints = [...record.subarray(6, 12)];
  while (constraints.length > 0 && constraints.at(-1) === 0) constraints.pop();
  return [
    'hvc1',
    `${space}${profile}`,
    (reversed >>> 0).toString(16).toUpperCase(),
    `${tier}${record[12]}`,
    ...constraints.map((c) => c.toString(16).toUpperCase()),
  ].join('.');
}
