import { describe, expect, it } from 'vitest';
import {
  buildMasterPlaylist,
  parseMediaPlaylist,
  subtitleMediaPlaylist,
  writeMediaPlaylist,
} from './hls.ts';

describe('HLS playlists', () => {
  it('reads an ffmpeg fMP4 media playlist', () => {
    const text = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:4.000000,',
      'seg_00000.m4s',
      '#EXTINF:1.520000,',
      'seg_00001.m4s',
      '#EXT-X-ENDLIST',
    ].join('\n');
    expect(parseMediaPlaylist(text)).toEqual({
      initUri: 'init.mp4',
      segments: [
        { uri: 'seg_00000.m4s', durationSeconds: 4 },
        { uri: 'seg_00001.m4s', durationSeconds: 1.52 },
      ],
      ended: true,
    });
    expect(() => parseMediaPlaylist('hello')).toThrow(/not an HLS playlist/);
  });

  it("writes a media playlist as ffmpeg's muxer does (VOD, strict target), or a growing EVENT one that starts at 0", () => {
    const ffmpeg = [
      '#EXTM3U',
      '#EXT-X-VERSION:7',
      '#EXT-X-TARGETDURATION:4',
      '#EXT-X-MEDIA-SEQUENCE:0',
      '#EXT-X-PLAYLIST-TYPE:VOD',
      '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-MAP:URI="init.mp4"',
      '#EXTINF:4.004000,',
      'seg_00000.m4s',
      '#EXTINF:2.502500,',
      'seg_00001.m4s',
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
    const read = parseMediaPlaylist(ffmpeg);
    const vod = writeMediaPlaylist({
      initUri: 'init.mp4',
      segments: read.segments,
      type: 'VOD',
      ended: true,
    });
    // ffmpeg 5.1 rounds 4.004 down to 4; a strict player wants every EXTINF under the target.
    expect(vod).toBe(ffmpeg.replace('#EXT-X-TARGETDURATION:4', '#EXT-X-TARGETDURATION:5'));
    const event = writeMediaPlaylist({
      initUri: 'init.mp4',
      segments: read.segments.slice(0, 1),
      type: 'EVENT',
      ended: false,
    });
    expect(event).toContain('#EXT-X-PLAYLIST-TYPE:EVENT\n');
    expect(event).toContain('#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n');
    expect(event).not.toContain('ENDLIST');
    expect(parseMediaPlaylist(event)).toEqual({
      initUri: 'init.mp4',
      segments: [{ uri: 'seg_00000.m4s', durationSeconds: 4.004 }],
      ended: false,
    });
  });

  it('writes a master playlist, highest bandwidth first, with every attribute players need', () => {
    const text = buildMasterPlaylist(
      [
        {
          uri: '360p/playlist.m3u8',
          bandwidth: 900_000,
          averageBandwidth: 700_000,
          width: 640,
          height: 360,
          codecs: 'avc1.64001e,mp4a.40.2',
          frameRate: 29.97,
          audioGroup: 'audio_96k',
        },
        {
          uri: '720p/playlist.m3u8',
          bandwidth: 3_100_000.4,
          averageBandwidth: 2_500_000,
          width: 1280,
          height: 720,
          codecs: 'avc1.64001f,mp4a.40.2',
          frameRate: 29.97,
          audioGroup: 'audio_128k',
        },
      ],
      [],
      [
        {
          groupId: 'audio_128k',
          uri: 'audio_128k/playlist.m3u8',
          name: 'English',
          language: 'en',
          channels: 2,
        },
        { groupId: 'audio_96k', uri: 'audio_96k/playlist.m3u8', name: 'English', channels: 1 },
      ],
    );
    expect(text).toBe(
      [
        '#EXTM3U',
        '#EXT-X-VERSION:7',
        '#EXT-X-INDEPENDENT-SEGMENTS',
        // One group per audio encode, each with its one rendition, default and auto-selected.
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio_128k",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="2",URI="audio_128k/playlist.m3u8"',
        '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio_96k",NAME="English",DEFAULT=YES,AUTOSELECT=YES,CHANNELS="1",URI="audio_96k/playlist.m3u8"',
        '#EXT-X-STREAM-INF:BANDWIDTH=3100000,AVERAGE-BANDWIDTH=2500000,RESOLUTION=1280x720,CODECS="avc1.64001f,mp4a.40.2",FRAME-RATE=29.970,VIDEO-RANGE=SDR,AUDIO="audio_128k",CLOSED-CAPTIONS=NONE',
        '720p/playlist.m3u8',
        '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2",FRAME-RATE=29.970,VIDEO-RANGE=SDR,AUDIO="audio_96k",CLOSED-CAPTIONS=NONE',
        '360p/playlist.m3u8',
        '',
      ].join('\n'),
    );
  });

  it('sets the target duration to what strict players require: every rounded EXTINF fits, at least 1', () => {
    const target = (durations: readonly number[]) => {
      const text = writeMediaPlaylist({
        initUri: 'init.mp4',
        segments: durations.map((d, i) => ({ uri: `seg_${i}.m4s`, durationSeconds: d })),
        type: 'VOD',
        ended: true,
      });
      return Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)![1]);
    };
    // ffmpeg 5.1 rounds 2.5 down to 2, and writes 0 for a source of a fraction of a second.
    expect(target([2.5, 2.5, 1])).toBe(3);
    expect(target([0.1])).toBe(1);
    // Float noise above a whole number does not push the target up a second.
    expect(target([4.0004, 4, 2])).toBe(4);
    for (const durations of [[2.5, 2.5, 1], [0.1], [4.0004, 1.3], [4.6, 4.4]]) {
      const declared = target(durations);
      expect(declared).toBeGreaterThanOrEqual(1);
      for (const d of durations) expect(Math.round(d)).toBeLessThanOrEqual(declared);
    }
  });

  it('lists a track in HLS as one segment as long as the programme', () => {
    expect(subtitleMediaPlaylist('s0', 12.5)).toBe(
      '#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:13\n#EXT-X-MEDIA-SEQUENCE:0\n' +
        '#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:12.500,\n../../subtitles/s0.vtt\n#EXT-X-ENDLIST\n',
    );
  });

  it('groups subtitle renditions in the master playlist with unique names and one default', () => {
    const text = buildMasterPlaylist(
      [
        {
          uri: '360p/playlist.m3u8',
          bandwidth: 900_000,
          averageBandwidth: 700_000,
          width: 640,
          height: 360,
          codecs: 'avc1.64001e',
          frameRate: 25,
        },
      ],
      [
        { uri: 'subtitles/s0.m3u8', name: 'English', language: 'en', default: true, forced: false },
        { uri: 'subtitles/s1.m3u8', name: 'English', language: 'en', default: true, forced: false },
      ],
    );
    expect(text.split('\n').filter((l) => l.startsWith('#EXT-X-MEDIA'))).toEqual([
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",DEFAULT=YES,AUTOSELECT=YES,FORCED=NO,URI="subtitles/s0.m3u8"',
      '#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English (2)",LANGUAGE="en",DEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI="subtitles/s1.m3u8"',
    ]);
    expect(text).toContain(',VIDEO-RANGE=SDR,SUBTITLES="subs",CLOSED-CAPTIONS=NONE\n');
  });
});
