import { describe, expect, it } from 'vitest';
import { toArgv } from '../ffmpeg/invocation.ts';
import { buildStitchInvocation } from './stitch.ts';

describe('the stitch', () => {
  it('stitches a rung by stream copy: concat of its chunks, the audio muxed into the MP4 only', () => {
    const inv = buildStitchInvocation({
      list: 'chunk/360p.txt',
      rung: { name: '360p' },
      audio: '/work/job/audio/chunk/audio_96k.m4a',
      formats: ['hls', 'mp4'],
      segmentSeconds: 4,
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
    expect(argv.at(-1)!.split('|')).toEqual([
      "[f=hls:select=\\'v:0\\':hls_time=4:hls_playlist_type=vod:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/360p/seg_%05d.m4s]hls/360p/playlist.m3u8",
      "[f=mp4:select=\\'v:0,a:0\\':movflags=+faststart]mp4/360p.mp4",
    ]);
    // Only our own files: the concat list and MP4s.
    expect(
      argv.slice(argv.indexOf('-format_whitelist'), argv.indexOf('-format_whitelist') + 2),
    ).toEqual(['-format_whitelist', 'concat,mov']);
  });
});
