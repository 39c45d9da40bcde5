import { describe, expect, it } from 'vitest';
import { buildDashManifest, isoDuration, type DashPresentation } from './dash.ts';

const presentation: DashPresentation = {
  durationSeconds: 10.01,
  segmentSeconds: 4,
  video: [
    {
      id: '360p',
      bandwidth: 900_000.4,
      codecs: 'avc1.64001e',
      width: 640,
      height: 360,
      frameRate: '30000/1001',
      // 4.004 s, 4.004 s, 2.002 s at 30000/1001 in a 30000 timescale.
      timeline: {
        timescale: 30000,
        segments: [
          { start: 0, duration: 120120 },
          { start: 120120, duration: 120120 },
          { start: 240240, duration: 60060 },
        ],
      },
    },
    {
      id: '720p',
      bandwidth: 3_000_000,
      codecs: 'avc1.64001f',
      width: 1280,
      height: 720,
      frameRate: '30000/1001',
      timeline: { timescale: 30000, segments: [{ start: 0, duration: 300300 }] },
    },
  ],
  audio: [
    {
      id: 'audio_128k',
      bandwidth: 131_000,
      codecs: 'mp4a.40.2',
      sampleRate: 48000,
      channels: 2,
      // A gap after the first segment: the second says where it starts.
      timeline: {
        timescale: 48000,
        segments: [
          { start: 0, duration: 192512 },
          { start: 193536, duration: 191488 },
        ],
      },
    },
  ],
  text: [
    {
      id: 's0',
      uri: '../subtitles/s0.vtt',
      label: 'English & more <SDH>',
      language: 'en',
      kind: 'subtitles',
      default: true,
    },
  ],
  audioLanguage: 'en',
};

describe('the DASH manifest', () => {
  it('indexes the rungs (highest first), the audio and the WebVTT sidecars over the HLS tree’s files', () => {
    // Static, one period. Each rung on its own directory's segments, with an exact timeline:
    // equal contiguous segments fold into one entry (r), a gap restarts it (t). Text tracks
    // name their sidecar; labels are escaped.
    expect(buildDashManifest(presentation)).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT10.01S" minBufferTime="PT4S">',
        '  <Period id="0" start="PT0S">',
        '    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="1280" maxHeight="720">',
        '      <Representation id="720p" bandwidth="3000000" codecs="avc1.64001f" width="1280" height="720" frameRate="30000/1001" sar="1:1">',
        '        <SegmentTemplate timescale="30000" initialization="720p/init.mp4" media="720p/seg_$Number%05d$.m4s" startNumber="0">',
        '          <SegmentTimeline>',
        '            <S t="0" d="300300"/>',
        '          </SegmentTimeline>',
        '        </SegmentTemplate>',
        '      </Representation>',
        '      <Representation id="360p" bandwidth="900001" codecs="avc1.64001e" width="640" height="360" frameRate="30000/1001" sar="1:1">',
        '        <SegmentTemplate timescale="30000" initialization="360p/init.mp4" media="360p/seg_$Number%05d$.m4s" startNumber="0">',
        '          <SegmentTimeline>',
        '            <S t="0" d="120120" r="1"/>',
        '            <S d="60060"/>',
        '          </SegmentTimeline>',
        '        </SegmentTemplate>',
        '      </Representation>',
        '    </AdaptationSet>',
        '    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1" lang="en">',
        '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>',
        '      <Representation id="audio_128k" bandwidth="131000" codecs="mp4a.40.2" audioSamplingRate="48000">',
        '        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="2"/>',
        '        <SegmentTemplate timescale="48000" initialization="audio_128k/init.mp4" media="audio_128k/seg_$Number%05d$.m4s" startNumber="0">',
        '          <SegmentTimeline>',
        '            <S t="0" d="192512"/>',
        '            <S t="193536" d="191488"/>',
        '          </SegmentTimeline>',
        '        </SegmentTemplate>',
        '      </Representation>',
        '    </AdaptationSet>',
        '    <AdaptationSet id="2" contentType="text" mimeType="text/vtt" lang="en">',
        '      <Label>English &amp; more &lt;SDH&gt;</Label>',
        '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="subtitle"/>',
        '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>',
        '      <Representation id="s0" bandwidth="256">',
        '        <BaseURL>../subtitles/s0.vtt</BaseURL>',
        '      </Representation>',
        '    </AdaptationSet>',
        '  </Period>',
        '</MPD>',
        '',
      ].join('\n'),
    );
  });

  it('refuses a presentation without video', () => {
    expect(() => buildDashManifest({ ...presentation, video: [] })).toThrow(/video/);
  });

  it('writes xs:durations', () => {
    expect(isoDuration(0)).toBe('PT0S');
    expect(isoDuration(59.9996)).toBe('PT1M0S');
    expect(isoDuration(3723.456)).toBe('PT1H2M3.456S');
  });
});
