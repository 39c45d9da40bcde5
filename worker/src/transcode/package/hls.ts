import { subtitleLayout } from '../ladder/layout.ts';

/**
 * HLS playlists: reading ffmpeg's media playlists, writing the master playlist and the subtitle
 * renditions' playlists.
 */

export interface MediaSegment {
  readonly uri: string;
  readonly durationSeconds: number;
}

export interface MediaPlaylist {
  readonly initUri?: string;
  readonly segments: readonly MediaSegment[];
  readonly ended: boolean;
}

/** Parses the parts of a media playlist this worker writes and checks. */
export function parseMediaPlaylist(text: string): MediaPlaylist {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U header)');
  const segments: MediaSegment[] = [];
  let initUri: string | undefined;
  let pending: number | undefined;
  let ended = false;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MAP:')) {
      initUri = /URI="([^"]+)"/.exec(line)?.[1];
    } else if (line.startsWith('#EXTINF:')) {
      pending = Number.parseFloat(line.slice('#EXTINF:'.length));
    } else if (line === '#EXT-X-ENDLIST') {
      ended = true;
    } else if (line !== '' && !line.startsWith('#')) {
      if (pending === undefined) throw new Error(`segment ${line} has no #EXTINF`);
      segments.push({ uri: line, durationSeconds: pending });
      pending = undefined;
    }
  }
  return { ...(initUri ? { initUri } : {}), segments, ended };
}

/**
 * A media playlist of fMP4 segments, as ffmpeg's HLS muxer writes one (same lines, durations to
 * the microsecond) with the target duration strict players read in RFC 8216 (at least every
 * segment's duration rounded to the nearest integer: ffmpeg 5.1 rounds down, so a 2.5 s segment
 * sits under its TARGETDURATION:2, and a very short source gets 0; here the ceiling of the
 * longest segment, a millisecond of float noise aside, and at least 1). VOD once every segment
 * is there; EVENT while segments are still coming (only ever appended). An EVENT playlist says
 * where to start, at the beginning (EXT-X-START): players otherwise join a growing playlist near
 * its live edge, and the viewer of a job that is still transcoding wants the start.
 */
export function writeMediaPlaylist(p: {
  readonly initUri: string;
  readonly segments: readonly MediaSegment[];
  readonly type: 'VOD' | 'EVENT';
  /** EXT-X-ENDLIST: no segment will be added. */
  readonly ended: boolean;
}): string {
  const longest = Math.max(0, ...p.segments.map((s) => s.durationSeconds));
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(longest - 0.001))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    `#EXT-X-PLAYLIST-TYPE:${p.type}`,
    '#EXT-X-INDEPENDENT-SEGMENTS',
    ...(p.type === 'EVENT' ? ['#EXT-X-START:TIME-OFFSET=0,PRECISE=YES'] : []),
    `#EXT-X-MAP:URI="${quoted(p.initUri)}"`,
    ...p.segments.flatMap((s) => [`#EXTINF:${s.durationSeconds.toFixed(6)},`, s.uri]),
    ...(p.ended ? ['#EXT-X-ENDLIST'] : []),
  ];
  return `${lines.join('\n')}\n`;
}

export interface Variant {
  readonly uri: string;
  /** Peak segment bitrate, bits per second. */
  readonly bandwidth: number;
  readonly averageBandwidth: number;
  readonly width: number;
  readonly height: number;
  readonly codecs: string;
  readonly frameRate: number;
  /** The GROUP-ID of the audio rendition this variant plays with. */
  readonly audioGroup?: string;
}

/** An audio rendition as the master playlist lists it (EXT-X-MEDIA TYPE=AUDIO). */
export interface AudioRendition {
  /** One group per audio encode: a variant names the bitrate it plays with. */
  readonly groupId: string;
  readonly uri: string;
  readonly name: string;
  readonly language?: string;
  readonly channels: number;
}

/** A subtitles rendition as the master playlist lists it (EXT-X-MEDIA TYPE=SUBTITLES). */
export interface SubtitleRendition {
  readonly uri: string;
  readonly name: string;
  readonly language?: string;
  readonly default: boolean;
  readonly forced: boolean;
}

export const SUBTITLE_GROUP = 'subs';

/**
 * The master playlist: the audio renditions (one group per audio bitrate, each with its one
 * rendition), the subtitle renditions (one group, names made unique, at most one DEFAULT), then
 * one EXT-X-STREAM-INF per rung, highest first, naming its audio group. CLOSED-CAPTIONS=NONE: captions
 * are offered as WebVTT renditions, so players do not also show the CEA-608 bytes the encoder
 * carried into the video.
 */
export function buildMasterPlaylist(
  variants: readonly Variant[],
  subtitles: readonly SubtitleRendition[] = [],
  audio: readonly AudioRendition[] = [],
): string {
  const sorted = [...variants].sort((a, b) => b.bandwidth - a.bandwidth);
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS'];
  for (const a of audio) {
    lines.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="${quoted(a.groupId)}",NAME="${quoted(a.name)}"` +
        (a.language ? `,LANGUAGE="${quoted(a.language)}"` : '') +
        `,DEFAULT=YES,AUTOSELECT=YES,CHANNELS="${a.channels}",URI="${quoted(a.uri)}"`,
    );
  }
  const names = new Set<string>();
  let defaultTaken = false;
  for (const s of subtitles) {
    let name = s.name;
    for (let n = 2; names.has(name); n++) name = `${s.name} (${n})`;
    names.add(name);
    const isDefault: boolean = s.default && !defaultTaken;
    defaultTaken ||= isDefault;
    lines.push(
      `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="${SUBTITLE_GROUP}",NAME="${quoted(name)}"` +
        (s.language ? `,LANGUAGE="${quoted(s.language)}"` : '') +
        `,DEFAULT=${isDefault ? 'YES' : 'NO'},AUTOSELECT=YES,FORCED=${s.forced ? 'YES' : 'NO'}` +
        `,URI="${quoted(s.uri)}"`,
    );
  }
  const group = subtitles.length > 0 ? `,SUBTITLES="${SUBTITLE_GROUP}"` : '';
  for (const v of sorted) {
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${Math.round(v.bandwidth)},AVERAGE-BANDWIDTH=${Math.round(
        v.averageBandwidth,
      )},RESOLUTION=${v.width}x${v.height},CODECS="${v.codecs}",FRAME-RATE=${v.frameRate.toFixed(3)},VIDEO-RANGE=SDR${
        v.audioGroup ? `,AUDIO="${quoted(v.audioGroup)}"` : ''
      }${group},CLOSED-CAPTIONS=NONE`,
      v.uri,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A quoted-string attribute value may not hold a double quote or a line break (RFC 8216 4.2). */
function quoted(value: string): string {
  return value.replace(/["\r\n]/g, "'");
}

/**
 * A subtitle rendition's media playlist: the whole WebVTT file as one segment lasting the whole
 * programme (valid RFC 8216; players fetch it once). No X-TIMESTAMP-MAP: the cue times are the
 * outputs' own timeline, which starts at 0 as the video's does.
 */
export function subtitleMediaPlaylist(id: string, durationSeconds: number): string {
  const duration = Math.max(0.001, durationSeconds);
  return [
    '#EXTM3U',
    '#EXT-X-VERSION:7',
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(duration - 0.001))}`,
    '#EXT-X-MEDIA-SEQUENCE:0',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXTINF:${duration.toFixed(3)},`,
    subtitleLayout.hlsSegmentUri(id),
    '#EXT-X-ENDLIST',
    '',
  ].join('\n');
}
