import { describe, expect, it } from 'vitest';
import { planLadder } from '../../ladder/ladder.ts';
import { sourceInfo } from '../../source/fixtures.ts';
import { avcCodecString, h264Encoder } from './h264.ts';

describe('the H.264 encoder (x264)', () => {
  const [top] = planLadder(sourceInfo(), 'standard');

  it('speaks in option names without stream specifiers: preset, profile, keyframes on the grid', () => {
    const x264 = h264Encoder({ preset: 'faster', threadsPerRung: 0 });
    expect(x264.label).toBe('x264 faster');
    expect(x264.pixelFormat).toBe('yuv420p');
    expect(
      x264.sharedOptions({ forceExpression: 'expr:gte(t,n_forced*4)', segmentFrames: 120 }),
    ).toEqual([
      ['preset', 'faster'],
      ['profile', 'high'],
      ['force_key_frames', 'expr:gte(t,n_forced*4)'],
      ['sc_threshold', '0'],
      ['g', '240'],
    ]);
  });

  it('caps each rung: CRF under maxrate with a buffer twice the cap, threads when pinned', () => {
    expect(h264Encoder().rungOptions(top!)).toEqual([
      ['c', 'libx264'],
      ['crf', '23'],
      ['maxrate', '5000k'],
      ['bufsize', '10000k'],
    ]);
    expect(h264Encoder({ preset: 'veryfast', threadsPerRung: 2 }).rungOptions(top!)).toContainEqual(
      ['threads', '2'],
    );
  });

  it('drops the captions only when asked, and starts a continuing chunk with a half-full buffer', () => {
    const x264 = h264Encoder();
    expect(x264.contextOptions({ continuesStream: false })).toEqual([]);
    expect(x264.contextOptions({ keepCaptions: true, continuesStream: false })).toEqual([]);
    expect(x264.contextOptions({ keepCaptions: false, continuesStream: true })).toEqual([
      ['a53cc', '0'],
      ['x264-params', 'vbv-init=0.5'],
    ]);
  });

  it('spells H.264 codec strings per RFC 6381', () => {
    expect(avcCodecString('High', 31)).toBe('avc1.64001f');
    expect(avcCodecString('Main', 30)).toBe('avc1.4d401e');
    expect(avcCodecString('Constrained Baseline', 21)).toBe('avc1.42e015');
    expect(h264Encoder().codecString({ stream: { profile: 'High', level: 40 } })).toBe(
      'avc1.640028',
    );
    // ffprobe read nothing: High at level 4.0, what x264 writes for HD.
    expect(h264Encoder().codecString({})).toBe('avc1.640028');
    // The avcC record, as written: High (0x64), no constraint flags, level 3.0 (0x1e).
    expect(h264Encoder().codecString({ record: Uint8Array.from([1, 0x64, 0, 0x1e, 0xff]) })).toBe(
      'avc1.64001e',
    );
  });
});
