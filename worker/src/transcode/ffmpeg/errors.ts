import {
  InsufficientStorageError,
  InterruptedError,
  InvalidMediaError,
  MissingDecoderError,
  TranscodeFailedError,
} from '../../base/errors.ts';
import { classifyFfmpegFailure } from './failure.ts';

/**
 * ffmpeg's and ffprobe's failures in the error model's terms: whose fault, whether another
 * attempt may pass, and what to tell the person who uploaded the file.
 */
const STDERR_TAIL_LINES = 12;

/** ffprobe's complaint, in words a person submitting a file understands. */
export function explainProbeFailure(stderr: string, fallback: string): string {
  const refused = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (refused) {
    return `the source is a "${refused[1]}" file, not a video container: playlists, concat lists, images, image sequences and stream descriptions are refused`;
  }
  if (/Protocol '?([\w]+)'? not on whitelist/.test(stderr)) {
    return 'the source refers to other files or network addresses, which are refused';
  }
  // The demuxers' words for the two ways uploads arrive unreadable, said about the file.
  if (/moov atom not found/.test(stderr)) {
    return 'the source is not a readable media file: it has no MP4 index (moov box), so the upload was cut short or the file is not an MP4 video';
  }
  if (/^[^\n]*Invalid data found when processing input\s*$/.test(stderr.trim())) {
    return 'the source is not a readable media file: no video container was found in it (is it a video?)';
  }
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*\]\s*/, '')
        .replace(/^.*?: (?=Invalid data)/, '')
        .trim(),
    )
    .filter(Boolean);
  const reason = [...new Set(lines)].slice(-2).join('; ') || fallback;
  return `the source is not a readable media file: ${reason.slice(0, 300)}`;
}

/**
 * ffmpeg's failure as the error model sees it: a source no decoder can read is the input's
 * fault (permanent, said in words about the input); a full disk or memory is the machine's
 * (another attempt may pass); a kill from outside may pass; anything else is permanent.
 */
export function toTranscodeError(err: Error, stderr: string): Error {
  const tail = tailLines(stderr, STDERR_TAIL_LINES);
  if (/killed with signal/.test(err.message)) {
    // A kill we did not ask for (OOM killer, node pressure) may pass; a refusal will not.
    return new TranscodeFailedError(
      `ffmpeg was killed from outside the worker (${err.message}); out of memory?`,
      { cause: err, stderrTail: tail, retryable: true },
    );
  }
  if (/No space left on device/.test(stderr)) {
    return new InsufficientStorageError(
      'the work directory filled up while ffmpeg wrote the outputs',
      {
        cause: err,
        retryable: true,
      },
    );
  }
  if (/Cannot allocate memory/.test(stderr)) {
    return new TranscodeFailedError('ffmpeg ran out of memory', {
      cause: err,
      stderrTail: tail,
      retryable: true,
    });
  }
  const failure = classifyFfmpegFailure(stderr);
  switch (failure.kind) {
    case 'missing-decoder':
      return new MissingDecoderError(
        `this worker's ffmpeg has no decoder for the source's ${failure.codec} stream (#${failure.stream})`,
        { cause: err, stream: failure.stream, codec: failure.codec },
      );
    case 'undecodable':
      return new InvalidMediaError(`the source cannot be decoded: ${failure.detail}`, {
        cause: err,
      });
    case 'damaged':
      return new InvalidMediaError(`the source is damaged: ${failure.detail}`, { cause: err });
    case 'other':
      return new TranscodeFailedError(`ffmpeg failed: ${failure.line || err.message}`, {
        cause: err,
        stderrTail: tail,
        retryable: false,
      });
  }
}

/** What an abort ends a run with: the signal's reason, or a shutdown. */
export function toInterrupted(signal: AbortSignal, cause: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new InterruptedError('ffmpeg stopped: the worker is shutting down', { cause });
}

function tailLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
