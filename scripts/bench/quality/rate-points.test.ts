import { describe, expect, it } from 'vitest';
import { h264Encoder } from '../../../worker/src/transcode/encode/video/h264.ts';
import { toArgv } from '../../../worker/src/transcode/ffmpeg/invocation.ts';
import { planLadder } from '../../../worker/src/transcode/ladder/ladder.ts';
import { sourceInfo } from '../../../worker/src/transcode/source/fixtures.ts';
import { ratePointInvocation } from './rate-points.ts';

describe('ratePointInvocation', () => {
  const source = sourceInfo({ frameRate: 60 });
  const rungs = planLadder(source, 'standard');
  const build = (name: string, crf: number, caps: 'ladder' | 'off' = 'ladder') =>
    toArgv(
      ratePointInvocation({
        sourcePath: '/s.mp4',
        source,
        rung: rungs.find((r) => r.name === name)!,
        crf,
        caps,
        encoder: h264Encoder(),
        scaler: 'bicubic',
        cwd: '/w',
      }),
    );

  it('encodes the one rung at the CRF asked, with its caps, video only, to its MP4', () => {
    const argv = build('720p', 31);
    expect(argv.slice(argv.indexOf('-crf:v:0'), argv.indexOf('-crf:v:0') + 2)).toEqual([
      '-crf:v:0',
      '31',
    ]);
    // 720p of a 60 fps source: its cap, 1.5x the 30 fps one.
    expect(argv).toContain(`${rungs.find((r) => r.name === '720p')!.maxVideoKbps}k`);
    expect(argv.join(' ')).not.toMatch(/-c:a|aac|0:1/);
    expect(argv.join(' ')).toMatch(/mp4\/720p\.mp4/);
    expect(argv.join(' ')).not.toMatch(/hls|poster|thumb/);
  });

  it('lifts the caps out of reach when asked, so the CRF alone decides', () => {
    const argv = build('720p', 31, 'off');
    const at = argv.indexOf('-maxrate:v:0');
    expect(argv.slice(at, at + 4)).toEqual(['-maxrate:v:0', '100000k', '-bufsize:v:0', '100000k']);
  });

  it("keeps a small rung at the ladder's rate: every other frame of a 60 fps source", () => {
    const graph = (argv: string[]) => argv[argv.indexOf('-filter_complex') + 1]!;
    expect(graph(build('360p', 28))).toContain('fps=30');
    expect(graph(build('720p', 28))).not.toMatch(/fps=30(?!\d)/);
  });
});
