/**
 * The DASH manifest (MPD) over the HLS tree's CMAF segments: the same init and media segments,
 * indexed a second time, so DASH players (dash.js, Shaka, ExoPlayer) play the files HLS players
 * do. Static, one period, SegmentTemplate with a SegmentTimeline read from the segments' own
 * `tfdt`/`trun` boxes (exact, where HLS's EXTINF is rounded). Pure: the timings come in.
 */

export interface Timeline {
  /** Ticks per second of the track's media timescale. */
  readonly timescale: number;
  /** Each segment's start (decode time) and duration, in ticks, in playlist order. */
  readonly segments: readonly { readonly start: number; readonly duration: number }[];
}

interface TrackCommon {
  /** The Representation id, and its directory under the manifest (`720p`, `audio_128k`). */
  readonly id: string;
  /** Peak bit rate, bits per second. */
  readonly bandwidth: number;
  readonly codecs: string;
  readonly timeline: Timeline;
}

export interface DashVideo extends TrackCommon {
  readonly width: number;
  readonly height: number;
  /** As ffmpeg writes it: `30000/1001`, `25`. */
  readonly frameRate: string;
}

export interface DashAudio extends TrackCommon {
  readonly sampleRate: number;
  readonly channels: number;
}

export interface DashText {
  readonly id: string;
  /** The WebVTT file, relative to the manifest. */
  readonly uri: string;
  readonly label: string;
  readonly language?: string;
  readonly kind: 'subtitles' | 'captions';
  readonly default: boolean;
}

export interface DashPresentation {
  readonly durationSeconds: number;
  /** The longest segment the encoder aimed for: the players' minimum buffer. */
  readonly segmentSeconds: number;
  readonly video: readonly DashVideo[];
  readonly audio: readonly DashAudio[];
  readonly text: readonly DashText[];
  /** The audio's language (BCP 47), when the source says. */
  readonly audioLanguage?: string;
}

/** Segment file names as ffmpeg's HLS muxer writes them (ladder/layout.ts): seg_00000.m4s. */
const MEDIA_TEMPLATE = 'seg_$Number%05d$.m4s';

export function buildDashManifest(p: DashPresentation): string {
  if (p.video.length === 0) throw new Error('a DASH manifest needs a video representation');
  // One video adaptation set per codec (a player switches within a set, and picks the set
  // its decoder plays): the first, H.264 when asked, keeps id 0; the others come after the text.
  const families = [...new Set(p.video.map(codecFamily))];
  const videoSet = (family: string, id: number) => {
    const video = p.video
      .filter((v) => codecFamily(v) === family)
      .sort((a, b) => b.bandwidth - a.bandwidth);
    return [
      `    <AdaptationSet id="${id}" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1" maxWidth="${video[0]!.width}" maxHeight="${video[0]!.height}">`,
      ...video.flatMap((v) => [
        `      <Representation id="${attr(v.id)}" bandwidth="${Math.ceil(v.bandwidth)}" codecs="${attr(v.codecs)}" width="${v.width}" height="${v.height}" frameRate="${attr(v.frameRate)}" sar="1:1">`,
        ...segmentTemplate(v, '        '),
        '      </Representation>',
      ]),
      '    </AdaptationSet>',
    ];
  };
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${isoDuration(p.durationSeconds)}" minBufferTime="${isoDuration(p.segmentSeconds)}">`,
    '  <Period id="0" start="PT0S">',
    ...videoSet(families[0]!, 0),
  ];
  if (p.audio.length > 0) {
    lines.push(
      `    <AdaptationSet id="1" contentType="audio" mimeType="audio/mp4" segmentAlignment="true" startWithSAP="1"${p.audioLanguage ? ` lang="${attr(p.audioLanguage)}"` : ''}>`,
      '      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>',
      ...[...p.audio]
        .sort((a, b) => b.bandwidth - a.bandwidth)
        .flatMap((a) => [
          `      <Representation id="${attr(a.id)}" bandwidth="${Math.ceil(a.bandwidth)}" codecs="${attr(a.codecs)}" audioSamplingRate="${a.sampleRate}">`,
          `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a.channels}"/>`,
          ...segmentTemplate(a, '        '),
          '      </Representation>',
        ]),
      '    </AdaptationSet>',
    );
  }
  p.text.forEach((t, i) => {
    lines.push(
      `    <AdaptationSet id="${2 + i}" contentType="text" mimeType="text/vtt"${t.language ? ` lang="${attr(t.language)}"` : ''}>`,
      `      <Label>${text(t.label)}</Label>`,
      `      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="${t.kind === 'captions' ? 'caption' : 'subtitle'}"/>`,
      ...(t.default ? ['      <Role schemeIdUri="urn:mpeg:dash:role:2011" value="main"/>'] : []),
      `      <Representation id="${attr(t.id)}" bandwidth="256">`,
      `        <BaseURL>${text(t.uri)}</BaseURL>`,
      '      </Representation>',
      '    </AdaptationSet>',
    );
  });
  families.slice(1).forEach((family, k) => lines.push(...videoSet(family, 2 + p.text.length + k)));
  lines.push('  </Period>', '</MPD>');
  return `${lines.join('\n')}\n`;
}

/** The track's segments as a template and timeline: runs of equal, contiguous durations fold. */
function segmentTemplate(track: TrackCommon, indent: string): string[] {
  const { timescale, segments } = track.timeline;
  const entries: { t?: number; d: number; r: number }[] = [];
  let expected: number | undefined;
  for (const s of segments) {
    const last = entries.at(-1);
    const contiguous = s.start === expected;
    if (last && contiguous && last.d === s.duration) last.r++;
    else entries.push({ ...(contiguous ? {} : { t: s.start }), d: s.duration, r: 0 });
    expected = s.start + s.duration;
  }
  return [
    `${indent}<SegmentTemplate timescale="${timescale}" initialization="${attr(track.id)}/init.mp4" media="${attr(track.id)}/${MEDIA_TEMPLATE}" startNumber="0">`,
    `${indent}  <SegmentTimeline>`,
    ...entries.map(
      (e) =>
        `${indent}    <S${e.t === undefined ? '' : ` t="${e.t}"`} d="${e.d}"${e.r > 0 ? ` r="${e.r}"` : ''}/>`,
    ),
    `${indent}  </SegmentTimeline>`,
    `${indent}</SegmentTemplate>`,
  ];
}

/** xs:duration with millisecond precision: PT1H2M3.456S. */
export function isoDuration(seconds: number): string {
  const ms = Math.max(0, Math.round(seconds * 1000));
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `PT${h > 0 ? `${h}H` : ''}${h > 0 || m > 0 ? `${m}M` : ''}${Number(s.toFixed(3))}S`;
}

function text(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attr(value: string): string {
  return text(value).replace(/"/g, '&quot;');
}

/** `avc1`, `hvc1`, `av01`: the part of a codec string that names the codec. */
function codecFamily(v: Pick<DashVideo, 'codecs'>): string {
  return v.codecs.split('.')[0]!;
}
