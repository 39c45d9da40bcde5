import { RUN_OPTIONS, SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';

/**
 * One text subtitle track of the source as WebVTT (ffmpeg's subtitle decoders, its WebVTT
 * encoder), on the outputs' timeline: ffmpeg shifts it by the file's start as it does the ladder.
 */
export function buildSubtitleInvocation(spec: {
  readonly sourcePath: string;
  readonly streamIndex: number;
  /** Relative to cwd. */
  readonly target: string;
  readonly cwd: string;
}): FfmpegInvocation {
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [...SAFE_INPUT_OPTIONS],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: ['-map', `0:${spec.streamIndex}`, '-c:s', 'webvtt', '-f', 'webvtt'],
      },
    ],
    directories: [dirnameOf(spec.target)],
  };
}

/**
 * The CEA-608 captions (CC1) carried in an encoded rendition, as WebVTT: the movie source reads
 * the file, the decoder exports each frame's A/53 caption bytes, ffmpeg's ccaption decoder turns
 * them into text. The rendition is our own output, read through lavfi: `rendition` is relative
 * to cwd and made of characters that need no escaping in a filter graph (checked).
 */
export function buildCaptionInvocation(spec: {
  readonly rendition: string;
  readonly target: string;
  readonly cwd: string;
}): FfmpegInvocation {
  if (!/^[A-Za-z0-9._/-]+$/.test(spec.rendition)) {
    throw new Error(`caption source path needs escaping: ${spec.rendition}`);
  }
  return {
    cwd: spec.cwd,
    input: `movie=${spec.rendition}[out0+subcc]`,
    inputOptions: [...RUN_OPTIONS, '-f', 'lavfi'],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: ['-map', '0:1', '-c:s', 'webvtt', '-f', 'webvtt'],
      },
    ],
    directories: [dirnameOf(spec.target)],
  };
}

function dirnameOf(relative: string): string {
  const i = relative.lastIndexOf('/');
  return i < 0 ? '.' : relative.slice(0, i);
}
