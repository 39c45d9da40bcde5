/**
 * Subtitles and captions: which of a source's tracks become WebVTT, what they are called, and
 * the files and playlists that carry them. Pure: ffprobe's streams and WebVTT text in, plans and
 * text out (the transcoder runs ffmpeg).
 *
 * Text tracks (SubRip, ASS/SSA, WebVTT, mov_text, plain text) are converted by ffmpeg's WebVTT
 * encoder (ASS styling is dropped, italics and bold kept). CEA-608 captions carried in the video
 * (ATSC A/53 SEI) travel through the encode (libx264 writes them back into every rung) and are
 * read from the smallest full-rate rung, which decodes cheaply. Bitmap subtitles (PGS, VobSub,
 * DVB) would need OCR; they are recorded as not converted.
 */
import { codecLabel, type ProbeStream } from './stream-choice.ts';
import { vttTimestamp } from '../package/thumbnail-index.ts';

/** Subtitle codecs ffmpeg decodes to text, which its WebVTT encoder writes. */
const TEXT_CODECS = new Set([
  'subrip',
  'srt',
  'ass',
  'ssa',
  'webvtt',
  'mov_text',
  'text',
  'subviewer',
  'subviewer1',
  'microdvd',
  'jacosub',
  'realtext',
  'sami',
  'stl',
  'pjs',
  'mpl2',
  'vplayer',
]);

const BITMAP_CODECS: Record<string, string> = {
  hdmv_pgs_subtitle: 'PGS (Blu-ray)',
  dvd_subtitle: 'VobSub (DVD)',
  dvb_subtitle: 'DVB',
  xsub: 'XSUB',
};

export interface SubtitleTrack {
  /** Stable within a job: `s0`, `s1`, ... for tracks, `cc1` for the captions in the video. */
  readonly id: string;
  /** The source's stream index; undefined for CEA-608 captions (they live in the video). */
  readonly streamIndex?: number;
  readonly codec: string;
  /** BCP 47 (`en`, `pt-BR`), when the source says. */
  readonly language?: string;
  /** What a player lists: the track's title, else its language's name, else a numbered label. */
  readonly name: string;
  readonly default: boolean;
  readonly forced: boolean;
  /** `subtitles` for a track, `captions` for CEA-608 from the video. */
  readonly kind: 'subtitles' | 'captions';
}

export interface LeftOutTrack {
  readonly streamIndex?: number;
  readonly codec: string;
  readonly reason: string;
}

export interface SubtitlePlan {
  readonly tracks: readonly SubtitleTrack[];
  readonly leftOut: readonly LeftOutTrack[];
}

/** The subtitle tracks to convert and the ones that cannot be, with why. */
export function planSubtitles(streams: readonly ProbeStream[]): SubtitlePlan {
  const tracks: SubtitleTrack[] = [];
  const leftOut: LeftOutTrack[] = [];
  const subtitleStreams = streams.filter((x) => x.codec_type === 'subtitle');
  // Matroska marks every track default unless told otherwise: a default that is not the only
  // one says nothing, and turning subtitles on for every viewer is not a guess to make.
  const markedDefault = subtitleStreams.filter((x) => x.disposition?.default === 1);
  for (const s of subtitleStreams) {
    const codec = codecLabel(s);
    const bitmap = BITMAP_CODECS[s.codec_name ?? ''];
    if (bitmap) {
      leftOut.push({
        streamIndex: s.index,
        codec,
        reason: `${bitmap} subtitles are pictures, not text; converting them would need OCR`,
      });
    } else if (s.codec_name === 'dvb_teletext') {
      leftOut.push({
        streamIndex: s.index,
        codec,
        reason: 'teletext subtitles need a teletext decoder this worker does not have',
      });
    } else if (!TEXT_CODECS.has(s.codec_name ?? '')) {
      leftOut.push({
        streamIndex: s.index,
        codec,
        reason: `the subtitle codec ${codec} cannot be read by this worker`,
      });
    } else {
      const language = bcp47(s.tags?.language);
      tracks.push({
        id: `s${tracks.length}`,
        streamIndex: s.index,
        codec,
        ...(language ? { language } : {}),
        name: trackName(s.tags?.title, language, tracks.length + 1),
        default: markedDefault.length === 1 && markedDefault[0] === s,
        forced: s.disposition?.forced === 1,
        kind: 'subtitles',
      });
    }
  }
  return { tracks, leftOut };
}

/** The CEA-608 captions in the video, as a track (the first caption channel, CC1). */
export function captionTrack(language?: string): SubtitleTrack {
  const lang = bcp47(language);
  return {
    id: 'cc1',
    codec: 'eia_608',
    ...(lang ? { language: lang } : {}),
    name: lang ? `${languageName(lang)} (CC)` : 'Captions (CC1)',
    default: false,
    forced: false,
    kind: 'captions',
  };
}

/** Where a track's files go, relative to the output prefix. */
export const subtitleLayout = {
  /** The sidecar beside the MP4s (and the file the HLS rendition's playlist lists). */
  vtt: (id: string) => `subtitles/${id}.vtt`,
  hlsPlaylist: (id: string) => `hls/subtitles/${id}.m3u8`,
  /** The segment URI as the HLS playlist (in hls/subtitles/) names it. */
  hlsSegmentUri: (id: string) => `../../subtitles/${id}.vtt`,
} as const;

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

export interface WebVttCue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Parses WebVTT as ffmpeg writes it (header, blank-line separated cues with optional ids and
 * settings). Throws on text that is not WebVTT.
 */
export function parseWebVtt(text: string): WebVttCue[] {
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!/^WEBVTT(?:[ \t].*)?(?:\n|$)/.test(body)) throw new Error('not WebVTT (no WEBVTT header)');
  const cues: WebVttCue[] = [];
  for (const block of body.split(/\n{2,}/).slice(1)) {
    const lines = block.split('\n').filter((l) => l !== '');
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0) continue; // NOTE, STYLE, REGION blocks
    const match = /^\s*([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[timing]!);
    if (!match) continue;
    cues.push({
      start: vttSeconds(match[1]!),
      end: vttSeconds(match[2]!),
      text: lines.slice(timing + 1).join('\n'),
    });
  }
  return cues;
}

/**
 * Tidied cues: empty and zero-length cues dropped, and a cue that repeats the one before it
 * without a gap (what caption decoders write on every frame that re-sends the same screen)
 * merged into it.
 */
export function tidyCues(cues: readonly WebVttCue[]): WebVttCue[] {
  const out: WebVttCue[] = [];
  for (const cue of cues) {
    if (cue.text.trim() === '' || !(cue.end > cue.start)) continue;
    const last = out.at(-1);
    if (last && last.text === cue.text && cue.start - last.end <= 0.05) {
      out[out.length - 1] = { ...last, end: Math.max(last.end, cue.end) };
    } else {
      out.push(cue);
    }
  }
  return out;
}

export function formatWebVtt(cues: readonly WebVttCue[]): string {
  const blocks = cues.map((c) => `${vttTimestamp(c.start)} --> ${vttTimestamp(c.end)}\n${c.text}`);
  return `WEBVTT\n\n${blocks.join('\n\n')}${blocks.length ? '\n' : ''}`;
}

function vttSeconds(t: string): number {
  const parts = t.split(':').map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}

/** `eng` -> `en`, `pt-BR` stays; `und`, `qaa` and nonsense are undefined. */
export function bcp47(tag: string | undefined): string | undefined {
  if (!tag) return undefined;
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    if (!canonical || canonical === 'und' || /^q[a-t][a-z]$/.test(canonical)) return undefined;
    return canonical;
  } catch {
    return undefined;
  }
}

export function languageName(language: string): string {
  const name = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of(language);
  return name ?? language;
}

function trackName(title: string | undefined, language: string | undefined, n: number): string {
  const t = title?.trim();
  if (t) return t.replace(/["\r\n]/g, "'").slice(0, 80);
  return language ? languageName(language) : `Subtitles ${n}`;
}
