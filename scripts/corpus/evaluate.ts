import type { DecodedTimeline, PlainDecode } from './measure.ts';

/** One file of a corpus run, as measured. */
export interface CorpusEntry {
  readonly file: string;
  readonly sizeBytes: number;
  readonly plainDecode: PlainDecode;
  readonly seconds: number;
  /** Set when only the file's first seconds ran (`--max-seconds`, a CI budget): how many. */
  readonly firstSeconds?: number;
  readonly error?: { code: string; message: string; retryable: boolean };
  readonly accepted?: {
    readonly source: {
      format: string;
      video: string;
      frameRate: number;
      durationSeconds: number;
      videoDurationSeconds: number;
      notes: readonly string[];
    };
    readonly audio: string;
    readonly rungs: readonly string[];
    readonly top: { name: string; width: number; height: number };
    readonly sourceVideo?: DecodedTimeline;
    readonly sourceAudio?: DecodedTimeline;
    readonly outputVideo?: DecodedTimeline;
    readonly outputAudio?: DecodedTimeline;
    readonly quality?: { psnrY: number; ssimY: number };
    /** SHA-256 of the top rendition's MP4, and MD5 of its video packets: to tell two builds'
     * outputs apart bit for bit. */
    readonly topSha256?: string;
    readonly topVideoMd5?: string;
    readonly missing: readonly string[];
    readonly posterBytes: number;
    /** WebVTT tracks published: `s0 subtitles en (12 cues)`. */
    readonly subtitles?: readonly string[];
    /** Text tracks the worker meant to convert and could not. */
    readonly subtitleFailures?: readonly string[];
  };
}

/** Below this, a top rendition does not show its source (a shifted or grey picture). */
const MIN_PSNR_Y = 25;
/** One AAC frame at 44.1 kHz: audio cannot be placed finer than this. */
export const AUDIO_GRANULE_SECONDS = 1024 / 44_100;

/**
 * Refusals that are the product working as documented: an encrypted file, or a file with no
 * video (ffmpeg's default choice may be cover art); limits are checked against the real stream
 * in `exceedsLimit`.
 */
const EXPECTED_REFUSAL = /encrypted|no video stream|audio but no video/;

/** A limit refusal is right only if the decoded stream, not a container field, breaks it. */
function exceedsLimit(message: string, plain: PlainDecode): boolean {
  const fps = /runs at [\d.]+ fps; the limit is ([\d.]+) fps/.exec(message);
  if (fps) return plain.seconds > 0 && (plain.frames - 1) / plain.seconds > Number(fps[1]);
  const long = /is \d+ s long; the limit is (\d+) s/.exec(message);
  if (long) return plain.seconds > Number(long[1]);
  // Picture size: the decoder's size is the stream's, there is no container field to misread.
  return /the limit is \d+ pixels/.test(message);
}

/** Whether one file came out as it should, and why not. */
export function evaluate(entry: CorpusEntry): { ok: boolean; line: string; problems: string[] } {
  const problems: string[] = [];
  const decodes = entry.plainDecode.decodes;
  if (entry.error) {
    const { code, message, retryable } = entry.error;
    if (retryable) problems.push(`a bad input must not be retried: ${code} is retryable`);
    if (decodes && !EXPECTED_REFUSAL.test(message) && !exceedsLimit(message, entry.plainDecode)) {
      problems.push(`plain ffmpeg decodes ${entry.plainDecode.frames} frames, yet it was refused`);
    }
    return {
      ok: problems.length === 0,
      line: `refused ${code}${retryable ? ' (retryable)' : ''}: ${message}`,
      problems,
    };
  }
  const a = entry.accepted!;
  if (!decodes) problems.push('accepted, but plain ffmpeg decodes no video from it');
  if (a.missing.length > 0) problems.push(`named but not written: ${a.missing.join(', ')}`);
  if (a.posterBytes === 0) problems.push('no poster');
  const frame = 1 / (a.source.frameRate || 30);
  const sv = a.sourceVideo;
  const ov = a.outputVideo;
  if (!ov) problems.push('the top rendition has no decodable video');
  if (sv && ov) {
    // Times are from each file's start. The outputs are constant-rate: a video that starts
    // after the audio is held on its first frame from 0, so the start may come earlier (never
    // later), and the end must match.
    if (Math.abs(ov.endSeconds - sv.endSeconds) > frame + 0.002) {
      problems.push(
        `the video ends at ${fmt(ov.endSeconds)} s; the source's decoded video ends at ${fmt(sv.endSeconds)} s`,
      );
    }
    if (ov.firstSeconds > sv.firstSeconds + frame + 0.002 || ov.firstSeconds < -0.002) {
      problems.push(
        `the video starts at ${fmt(ov.firstSeconds)} s; the source's first frame is at ${fmt(sv.firstSeconds)} s`,
      );
    }
    const sa = a.sourceAudio;
    const oa = a.outputAudio;
    if (sa && oa) {
      // The audio lasts as long as its timestamps span (gaps kept, for sync), or as long as its
      // samples when the timestamps are broken and crushed together (a bad AVI header).
      const expected = Math.max(sa.endSeconds - sa.firstSeconds, sa.playedSeconds);
      const outLength = oa.endSeconds - oa.firstSeconds;
      if (Math.abs(outLength - expected) > 2 * AUDIO_GRANULE_SECONDS + 0.01) {
        problems.push(`the audio plays ${fmt(outLength)} s; the source's lasts ${fmt(expected)} s`);
      }
    }
    if (sa && !oa && a.audio === 'encoded') problems.push('audio was expected in the output');
  }
  for (const f of a.subtitleFailures ?? []) problems.push(`subtitles: ${f}`);
  if (a.quality && a.quality.psnrY < MIN_PSNR_Y) {
    problems.push(`PSNR-Y ${a.quality.psnrY.toFixed(1)} dB: the picture does not match the source`);
  }
  const q = a.quality
    ? `${a.quality.psnrY.toFixed(1)} dB, SSIM ${a.quality.ssimY.toFixed(3)}`
    : 'no PSNR';
  return {
    ok: problems.length === 0,
    line:
      `${a.source.video} ${a.source.frameRate.toFixed(2)} fps → ${a.rungs.join(' ')}; ` +
      `video ${ov ? fmt(ov.endSeconds - ov.firstSeconds) : '?'}/${sv ? fmt(sv.endSeconds - sv.firstSeconds) : '?'} s; ` +
      `audio ${a.audio}; ${q}` +
      `${a.subtitles?.length ? `; subtitles ${a.subtitles.join(', ')}` : ''}${a.source.notes.length ? `; ${a.source.notes.join('; ')}` : ''}`,
    problems,
  };
}

export interface CorpusSummary {
  readonly files: number;
  readonly plainDecodable: number;
  readonly accepted: number;
  readonly refused: number;
  /** Refusals grouped by reason, numbers taken out. */
  readonly refusedBy: Record<string, number>;
  readonly problems: number;
  readonly problemFiles: readonly string[];
  readonly medianPsnrY?: number;
  readonly text: string;
}

export function summarize(entries: readonly CorpusEntry[]): CorpusSummary {
  const refusedBy: Record<string, number> = {};
  for (const e of entries) {
    if (!e.error) continue;
    const key = `${e.error.code}: ${reasonKind(e.error.message)}`;
    refusedBy[key] = (refusedBy[key] ?? 0) + 1;
  }
  const problemFiles = entries.filter((e) => !evaluate(e).ok).map((e) => e.file);
  const psnrs = entries
    .map((e) => e.accepted?.quality?.psnrY)
    .filter((x): x is number => x !== undefined)
    .sort((a, b) => a - b);
  const accepted = entries.filter((e) => e.accepted).length;
  const plainDecodable = entries.filter((e) => e.plainDecode.decodes).length;
  const medianPsnrY = psnrs.length ? psnrs[Math.floor(psnrs.length / 2)] : undefined;
  const lines = [
    `files: ${entries.length}; plain ffmpeg decodes video in ${plainDecodable}`,
    `accepted: ${accepted} (of those plain ffmpeg decodes: ${entries.filter((e) => e.accepted && e.plainDecode.decodes).length})` +
      (medianPsnrY !== undefined
        ? `; median PSNR-Y of the top rung ${medianPsnrY.toFixed(1)} dB`
        : ''),
    `with WebVTT subtitles or captions: ${entries.filter((e) => e.accepted?.subtitles?.length).length}` +
      ` (${entries.reduce((n, e) => n + (e.accepted?.subtitles?.length ?? 0), 0)} tracks)`,
    `refused: ${entries.length - accepted}`,
    ...Object.entries(refusedBy)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `  ${String(n).padStart(3)}  ${k}`),
    `problems: ${problemFiles.length}${problemFiles.length ? ` (${problemFiles.join(', ')})` : ''}`,
  ];
  return {
    files: entries.length,
    plainDecodable,
    accepted,
    refused: entries.length - accepted,
    refusedBy,
    problems: problemFiles.length,
    problemFiles,
    ...(medianPsnrY !== undefined ? { medianPsnrY } : {}),
    text: lines.join('\n'),
  };
}

/** A reason with its numbers and quoted names taken out, so like refusals group together. */
function reasonKind(message: string): string {
  return message
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\d+(\.\d+)?/g, 'N')
    .slice(0, 120);
}

export function fmt(n: number): string {
  return n.toFixed(3).replace(/\.?0+$/, '');
}
