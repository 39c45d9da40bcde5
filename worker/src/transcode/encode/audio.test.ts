import { describe, expect, it } from 'vitest';
import { toArgv } from '../ffmpeg/invocation.ts';
import { LONG_SOURCE } from '../source/fixtures.ts';
import { buildAudioInvocation } from './audio.ts';

const long = LONG_SOURCE;

describe('the audio of a long source', () => {
  it('encodes the audio once, whole: HLS renditions and the M4As the stitch muxes in', () => {
    const argv = toArgv(
      buildAudioInvocation({
        sourcePath: '/work/job/source.mp4',
        source: long,
        rates: [128, 96],
        formats: ['hls', 'mp4'],
        segmentSeconds: 4,
        cwd: '/work/job/audio',
      }),
    );
    expect(argv.filter((a) => a === '0:1')).toHaveLength(2);
    expect(argv[argv.indexOf('tee') + 1]!.split('|')).toEqual([
      "[f=hls:select=\\'a:0\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/audio_128k/seg_%05d.m4s]hls/audio_128k/playlist.m3u8",
      "[f=mp4:select=\\'a:0\\']chunk/audio_128k.m4a",
      "[f=hls:select=\\'a:1\\':hls_time=4:hls_playlist_type=event:hls_segment_type=fmp4:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4:hls_segment_filename=hls/audio_96k/seg_%05d.m4s]hls/audio_96k/playlist.m3u8",
      "[f=mp4:select=\\'a:1\\']chunk/audio_96k.m4a",
    ]);
    expect(argv).not.toContain('libx264');
  });

  it('reads the audio from its piece: stream 0, moved by its offset in whole microseconds', () => {
    const argv = toArgv(
      buildAudioInvocation({
        sourcePath: '/work/job/audio.mov',
        source: { ...long, audio: { ...long.audio!, index: 0 } },
        rates: [128],
        formats: ['mp4'],
        segmentSeconds: 4,
        offsetSeconds: 0.0224 + 1e-9,
        cwd: '/work/job/audio',
      }),
    );
    expect(argv.slice(argv.indexOf('-itsoffset'), argv.indexOf('-i') + 2)).toEqual([
      ...['-itsoffset', '0.022400', '-i', '/work/job/audio.mov'],
    ]);
    expect(argv.slice(argv.indexOf('-map'), argv.indexOf('-map') + 2)).toEqual(['-map', '0:0']);
    // A source whose audio needs no moving gets no option (and never "1e-7").
    const plain = toArgv(
      buildAudioInvocation({
        sourcePath: '/work/job/source.mp4',
        source: long,
        rates: [128],
        formats: ['mp4'],
        segmentSeconds: 4,
        cwd: '/work/job/audio',
      }),
    );
    expect(plain).not.toContain('-itsoffset');
  });
});
