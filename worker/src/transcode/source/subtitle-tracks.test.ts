import { describe, expect, it } from 'vitest';
import { buildMasterPlaylist } from '../package/hls.ts';
import {
  bcp47,
  captionTrack,
  formatWebVtt,
  parseWebVtt,
  planSubtitles,
  subtitleMediaPlaylist,
  tidyCues,
} from './subtitle-tracks.ts';
import type { ProbeStream } from './stream-choice.ts';

const sub = (index: number, codec: string, over: Partial<ProbeStream> = {}): ProbeStream => ({
  index,
  codec_type: 'subtitle',
  codec_name: codec,
  ...over,
});

describe('planSubtitles', () => {
  it('takes text tracks and leaves out bitmap, teletext and unknown ones, saying why', () => {
    const plan = planSubtitles([
      { index: 0, codec_type: 'video', codec_name: 'h264' },
      sub(1, 'subrip', { tags: { language: 'eng' } }),
      sub(2, 'hdmv_pgs_subtitle'),
      sub(3, 'dvd_subtitle', { tags: { language: 'fre' } }),
      sub(4, 'mov_text', { tags: { language: 'por', title: 'Português "BR"' } }),
      sub(5, 'dvb_teletext'),
      sub(6, 'unknown', { codec_tag_string: '[0][0][0][0]' }),
      sub(7, 'ass'),
    ]);
    expect(plan.tracks.map((t) => [t.id, t.streamIndex, t.language, t.name])).toEqual([
      ['s0', 1, 'en', 'English'],
      ['s1', 4, 'pt', "Português 'BR'"],
      ['s2', 7, undefined, 'Subtitles 3'],
    ]);
    expect(plan.leftOut.map((t) => [t.streamIndex, t.reason])).toEqual([
      [2, expect.stringMatching(/^PGS \(Blu-ray\) subtitles are pictures, not text/)],
      [3, expect.stringMatching(/^VobSub \(DVD\) subtitles are pictures/)],
      [5, expect.stringMatching(/teletext/)],
      [6, 'the subtitle codec of unknown type cannot be read by this worker'],
    ]);
  });

  it('keeps a default mark only when one track has it (Matroska marks every track default)', () => {
    const one = planSubtitles([
      sub(1, 'subrip'),
      sub(2, 'subrip', { disposition: { default: 1, forced: 1 } }),
    ]);
    expect(one.tracks.map((t) => [t.default, t.forced])).toEqual([
      [false, false],
      [true, true],
    ]);
    const all = planSubtitles([
      sub(1, 'subrip', { disposition: { default: 1 } }),
      sub(2, 'subrip', { disposition: { default: 1 } }),
    ]);
    expect(all.tracks.map((t) => t.default)).toEqual([false, false]);
  });

  it('names languages in BCP 47', () => {
    expect([bcp47('eng'), bcp47('ger'), bcp47('pt-BR'), bcp47('und'), bcp47('qaa')]).toEqual([
      'en',
      'de',
      'pt-BR',
      undefined,
      undefined,
    ]);
    expect(captionTrack().name).toBe('Captions (CC1)');
    expect(captionTrack('spa').name).toBe('Spanish (CC)');
  });
});

describe('WebVTT', () => {
  it('merges a caption decoder’s repeats and drops empty and zero-length cues', () => {
    const cues = parseWebVtt(
      'WEBVTT\n\n00:00.000 --> 00:00.042\nHELLO\n\n00:00.042 --> 00:01.500\nHELLO\n\n' +
        'NOTE a comment\n\n1\n00:00:02.000 --> 00:00:02.000\nzero\n\n00:02.000 --> 00:03.000 align:start\n \n\n' +
        '00:01:03.250 --> 00:01:04.000\nLine one\nLine two\n',
    );
    expect(tidyCues(cues)).toEqual([
      { start: 0, end: 1.5, text: 'HELLO' },
      { start: 63.25, end: 64, text: 'Line one\nLine two' },
    ]);
    expect(formatWebVtt(tidyCues(cues))).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHELLO\n\n00:01:03.250 --> 00:01:04.000\nLine one\nLine two\n',
    );
    expect(() => parseWebVtt('1\n00:00:01,000 --> 00:00:02,000\nSRT\n')).toThrow(/not WebVTT/);
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
