import { describe, expect, it } from 'vitest';
import { toArgv } from '../ffmpeg/invocation.ts';
import { buildStitchInvocation } from './stitch.ts';

describe('the stitch', () => {
  it("stitches a rung's MP4 by stream copy: concat of its chunks, the audio muxed in", () => {
    const inv = buildStitchInvocation({
      list: 'chunk/360p.txt',
      rung: { name: '360p' },
      audio: '/work/job/audio/chunk/audio_96k.m4a',
      cwd: '/work/job/out',
    });
    const argv = toArgv(inv);
    expect(argv.slice(argv.indexOf('-f'), argv.indexOf('-i') + 2)).toEqual([
      ...['-f', 'concat', '-safe', '0', '-i', 'chunk/360p.txt'],
    ]);
    expect(argv).toContain('/work/job/audio/chunk/audio_96k.m4a');
    expect(argv.slice(argv.indexOf('-map'), argv.indexOf('tee') + 1)).toEqual([
      ...['-map', '0:v:0', '-map', '1:a:0', '-c', 'copy', '-map_metadata', '-1', '-f', 'tee'],
    ]);
    expect(argv.at(-1)).toBe("[f=mp4:select=\\'v:0,a:0\\':movflags=+faststart]mp4/360p.mp4");
    // Only our own files: the concat list and MP4s.
    expect(
      argv.slice(argv.indexOf('-format_whitelist'), argv.indexOf('-format_whitelist') + 2),
    ).toEqual(['-format_whitelist', 'concat,mov']);
  });
});
