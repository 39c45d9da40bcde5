import type { ProbeStream } from '../ffmpeg/probe-json.ts';
import { codecLabel } from './stream-choice.ts';

/**
 * Subtitles and captions: which of a source's tracks become WebVTT and what they are called.
 * Pure: ffprobe's streams in, a plan out (package/subtitle-outputs.ts converts them).
 *
 * Text tracks (SubRip, ASS/SSA, WebVTT, mov_text, plain text) are converted by ffmpeg's WebVTT
 * encoder (ASS styling is dropped, italics and bold kept). CEA-608 captions carried in the video
 * (ATSC A/53 SEI) travel through the encode (libx264 writes them back into every rung) and are
 * read from the smallest full-rate rung, which decodes cheaply. Bitmap subtitles (PGS, VobSub,
 * DVB) would need OCR; they are recorded as not converted.
 */

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
