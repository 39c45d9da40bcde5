import { describe, expect, it } from 'vitest';
import { parseEncoderList } from '../../ffmpeg/encoder-list.ts';
import { planLadder } from '../../ladder/ladder.ts';
import { sourceInfo } from '../../source/fixtures.ts';
import { av1CodecString, av1Crf, av1Encoder, DEFAULT_SVT_AV1 } from './av1.ts';
import { codecsRefusal, defaultEncoders } from './encoders.ts';
import { hevcCodecString, hevcEncoder } from './hevc.ts';

const grid = { forceExpression: 'expr:gte(t,n_forced*4)', segmentFrames: 120 };

describe('the HEVC encoder (x265)', () => {
  const [top] = planLadder(sourceInfo(), 'standard', ['hevc']);

  it('forces an IDR at every grid keyframe, in an hvc1 sample entry, without scene cuts', () => {
    const x265 = hevcEncoder();
    expect(top!.name).toBe('1080p-hevc');
    expect(x265.sharedOptions(grid)).toEqual([
      ['preset', 'medium'],
      ['tag', 'hvc1'],
      ['force_key_frames', 'expr:gte(t,n_forced*4)'],
      ['forced-idr', '1'],
      ['g', '240'],
    ]);
    expect(x265.contextOptions({ continuesStream: false })).toEqual([
      ['x265-params', 'log-level=error:info=0:scenecut=0:open-gop=0'],
    ]);
    expect(x265.contextOptions({ continuesStream: true })).toEqual([
      ['x265-params', 'log-level=error:info=0:scenecut=0:open-gop=0:vbv-init=0.5'],
    ]);
  });

  it('caps each rung on its own scale: CRF offset and a lower cap than H.264', () => {
    expect(
      hevcEncoder({ preset: 'medium', crfOffset: 3, capFactor: 0.5 }).rungOptions(top!),
    ).toEqual([
      ['c', 'libx265'],
      ['crf', '26'],
      ['maxrate', '2500k'],
      ['bufsize', '5000k'],
    ]);
  });

  it('spells the codec string from the hvcC record', () => {
    // x265's Main, level 3.1: profile 1, compatibility 0x60000000, constraints 0x90.
    const hvcc = Uint8Array.from([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 93]);
    expect(hevcCodecString(hvcc)).toBe('hvc1.1.6.L93.90');
    // Main 10, High tier, level 5.1: Apple's example spelling.
    const main10 = Uint8Array.from([1, 0x22, 0x20, 0, 0, 0, 0xb0, 0, 0, 0, 0, 0, 153]);
    expect(hevcCodecString(main10)).toBe('hvc1.2.4.H153.B0');
    expect(hevcCodecString(undefined)).toBe('hvc1.1.6.L120.90');
  });
});

describe('the AV1 encoder (SVT-AV1)', () => {
  const [top] = planLadder(sourceInfo(), 'standard', ['av1']);

  it('forces key frames on the grid, closed GOPs, global headers for av1C', () => {
    const svt = av1Encoder();
    expect(svt.sharedOptions(grid)).toEqual([
      ['preset', String(DEFAULT_SVT_AV1.preset)],
      ['force_key_frames', 'expr:gte(t,n_forced*4)'],
      ['g', '240'],
      ['flags', '+global_header'],
    ]);
    expect(svt.contextOptions({ continuesStream: true })).toEqual([
      ['svtav1-params', 'enable-force-key-frames=1:irefresh-type=2:scd=0'],
    ]);
    expect(svt.rungOptions(top!)).toContainEqual(['c', 'libsvtav1']);
  });

  it('maps the ladder CRF onto SVT-AV1’s scale, within 1-63', () => {
    expect(av1Crf(23, { crfScale: 1, crfOffset: 12 })).toBe(35);
    expect(av1Crf(51, { crfScale: 1.5, crfOffset: 12 })).toBe(63);
    expect(av1Crf(0, { crfScale: 1, crfOffset: -5 })).toBe(1);
  });

  it('spells the codec string from the av1C record', () => {
    // marker+version, profile 0 / seq_level_idx 8, Main tier 8-bit 4:2:0.
    expect(av1CodecString(Uint8Array.from([0x81, 0x08, 0x0c, 0]))).toBe('av01.0.08M.08');
    // profile 0, level 13 (5.1), High tier, 10-bit.
    expect(av1CodecString(Uint8Array.from([0x81, 0x0d, 0xcc, 0]))).toBe('av01.0.13H.10');
    expect(av1CodecString(undefined)).toBe('av01.0.08M.08');
  });
});

describe('codecs a worker can write', () => {
  const list = ` V..... = Video
 A..... = Audio
 ------
 V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)
 V....D libx265              libx265 H.265 / HEVC (codec hevc)
 A....D aac                  AAC (Advanced Audio Coding)
`;

  it('reads ffmpeg’s encoder list', () => {
    expect(parseEncoderList(list)).toEqual(new Set(['libx264', 'libx265', 'aac']));
  });

  it('refuses a codec without its encoder, naming the ones it has', () => {
    const available = parseEncoderList(list);
    expect(codecsRefusal(['h264', 'hevc'], defaultEncoders(), available)).toBeUndefined();
    expect(codecsRefusal(['av1', 'h264'], defaultEncoders(), available)).toBe(
      "codecs: this worker's ffmpeg has no encoder for av1 (libsvtav1); the codecs available here are h264, hevc",
    );
  });

  it('plans each codec’s rungs of the same pictures, H.264 first whatever the order asked', () => {
    const rungs = planLadder(sourceInfo({ width: 640, height: 360 }), 'standard', ['av1', 'h264']);
    expect(rungs.map((r) => `${r.name} ${r.codec} ${r.width}x${r.height}`)).toEqual([
      '360p h264 640x360',
      '240p h264 426x240',
      '144p h264 256x144',
      '360p-av1 av1 640x360',
      '240p-av1 av1 426x240',
      '144p-av1 av1 256x144',
    ]);
  });
});
