import type { EncoderOption, VideoEncoder } from './encoder.ts';

/** x264's settings: the benchmark's sweep (npm run bench -- --sweep) chose the default. */
export interface X264Settings {
  /** x264 preset; chosen by the benchmark, see the README. */
  readonly preset: string;
  /** x264 threads per rung; 0 lets x264 decide. */
  readonly threadsPerRung: number;
}

export const DEFAULT_X264: X264Settings = { preset: 'veryfast', threadsPerRung: 0 };

/**
 * H.264 with libx264: High profile, 8-bit 4:2:0, capped quality (CRF under a peak cap with a
 * buffer twice the cap), keyframes only where the grid forces them (no scene-cut keyframes, so
 * every rung's segments start on the same frame), and the source's CEA-608 captions carried in
 * its SEI unless the job drops them.
 */
export function h264Encoder(settings: X264Settings = DEFAULT_X264): VideoEncoder {
  return {
    codec: 'h264',
    ffmpegEncoder: 'libx264',
    label: `x264 ${settings.preset}`,
    pixelFormat: 'yuv420p',
    sharedOptions: (keyframes) => [
      ['preset', settings.preset],
      ['profile', 'high'],
      ['force_key_frames', keyframes.forceExpression],
      ['sc_threshold', '0'],
      // A ceiling only: the forced keyframes come first.
      ['g', String(keyframes.segmentFrames * 2)],
    ],
    rungOptions: (rung) => [
      ['c', 'libx264'],
      ['crf', String(rung.crf)],
      ['maxrate', `${rung.maxVideoKbps}k`],
      ['bufsize', `${rung.bufferKbps}k`],
      ...(settings.threadsPerRung > 0
        ? [['threads', String(settings.threadsPerRung)] as EncoderOption]
        : []),
    ],
    contextOptions: (context) => [
      ...(context.keepCaptions === false ? [['a53cc', '0'] as EncoderOption] : []),
      // A chunk after the first starts mid-stream, where a single run's VBV buffer is not full:
      // x264's default (0.9 full) let every chunk open with a burst (measured on cap-bound
      // 720p noise with 8 s chunks: +7% bytes, +0.4 dB over a single run; at 0.5, -4% bytes
      // and within 0.02 dB).
      ...(context.continuesStream ? [['x264-params', 'vbv-init=0.5'] as EncoderOption] : []),
    ],
    // From the avcC record (profile, constraint flags, level as written) when there is one:
    // ffprobe reads no profile or level from an HLS init segment, which holds no frame.
    codecString: ({ stream, record }) =>
      record && record.length >= 4
        ? `avc1.${[...record.subarray(1, 4)].map((b) => b.toString(16).padStart(2, '0')).join('')}`
        : avcCodecString(stream?.profile, stream?.level),
  };
}

/**
 * RFC 6381 codec string for H.264 from ffprobe's profile name and level number
 * (High, 31 -> avc1.64001f).
 */
export function avcCodecString(profile: string | undefined, level: number | undefined): string {
  const byProfile: Record<string, string> = {
    Baseline: '4200',
    'Constrained Baseline': '42e0',
    Main: '4d40',
    High: '6400',
    'High 10': '6e00',
  };
  const prefix = byProfile[profile ?? ''] ?? '6400';
  const lvl = level && level > 0 ? level : 40;
  return `avc1.${prefix}${lvl.toString(16).padStart(2, '0')}`;
}
