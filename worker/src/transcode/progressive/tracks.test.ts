import { describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../package/hls.ts';
import { growingPlaylists, isPublishedSegment, type PublishedRung } from './tracks.ts';

const seg = (n: number, bytes: number, durationSeconds = 4) => ({
  uri: `seg_${String(n).padStart(5, '0')}.m4s`,
  durationSeconds,
  bytes,
});
const rung = (
  name: string,
  height: number,
  segments: PublishedRung['segments'],
): PublishedRung => ({
  name,
  initUri: 'init.mp4',
  segments,
  width: (height * 16) / 9,
  height,
  frameRate: 30,
  codecs: 'avc1.64001f',
  audioKbps: 96,
});

describe('the growing playlists of a split job', () => {
  const chunks = [
    [
      rung('720p', 720, [seg(0, 1_000_000), seg(1, 1_500_000)]),
      rung('360p', 360, [seg(0, 250_000), seg(1, 250_000)]),
    ],
    [
      rung('720p', 720, [seg(2, 2_000_000), seg(3, 500_000, 2)]),
      rung('360p', 360, [seg(2, 250_000), seg(3, 100_000, 2)]),
    ],
  ];
  const audio = [
    {
      name: 'audio_96k',
      initUri: 'init.mp4',
      kbps: 96,
      channels: 2,
      segments: [seg(0, 48_000), seg(1, 48_000)],
    },
  ];

  it('lists every published chunk in order as EVENT playlists from the start, then the master naming them', () => {
    const files = growingPlaylists({ chunks, audio, audioLanguage: 'en', ended: false });
    expect(files.map((f) => f.key)).toEqual([
      'hls/720p/playlist.m3u8',
      'hls/360p/playlist.m3u8',
      'hls/audio_96k/playlist.m3u8',
      'hls/master.m3u8',
    ]);
    const top = files[0]!.text;
    expect(parseMediaPlaylist(top)).toEqual({
      initUri: 'init.mp4',
      segments: [0, 1, 2, 3].map((n) => ({ uri: seg(n, 0).uri, durationSeconds: n === 3 ? 2 : 4 })),
      ended: false,
    });
    expect(top).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(top).toContain('#EXT-X-START:TIME-OFFSET=0,PRECISE=YES');
    const master = files.at(-1)!.text;
    // 720p: peak 2 MB in 4 s = 4 Mb/s, average 5 MB in 14 s, plus the audio's 96 kb/s.
    expect(master).toContain(
      '#EXT-X-STREAM-INF:BANDWIDTH=4096000,AVERAGE-BANDWIDTH=2953143,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2"',
    );
    expect(master).toContain('LANGUAGE="en"');
    expect(master.indexOf('720p/playlist.m3u8')).toBeLessThan(master.indexOf('360p/playlist.m3u8'));
  });

  it("ends a failed job's playlists where they stand", () => {
    const files = growingPlaylists({ chunks: chunks.slice(0, 1), audio, ended: true });
    expect(parseMediaPlaylist(files[0]!.text)).toMatchObject({ ended: true, segments: [{}, {}] });
    expect(growingPlaylists({ chunks: [], audio, ended: false })).toEqual([]);
  });

  it('tells the published segments from the parts kept back', () => {
    expect(isPublishedSegment('hls/720p/seg_00012.m4s')).toBe(true);
    expect(isPublishedSegment('hls/audio_96k/seg_00000.m4s')).toBe(true);
    expect(isPublishedSegment('hls/720p/init.mp4')).toBe(false);
    expect(isPublishedSegment('chunk/720p.mp4')).toBe(false);
    expect(isPublishedSegment('hls/720p/playlist.m3u8')).toBe(false);
  });
});
