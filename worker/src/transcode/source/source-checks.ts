import { InvalidMediaError } from '../../base/errors.ts';
import type { SourceInfo } from './source-info.ts';

export interface MediaLimits {
  readonly maxDurationSeconds: number;
  /** Largest side of the displayed picture, in pixels. */
  readonly maxDimension: number;
  readonly maxFrameRate: number;
}

export function checkLimits(info: SourceInfo, limits: MediaLimits): void {
  const { displayWidth: w, displayHeight: h, frameRate } = info.video;
  if (info.durationSeconds > limits.maxDurationSeconds) {
    throw new InvalidMediaError(
      `the source is ${Math.round(info.durationSeconds)} s long; the limit is ${limits.maxDurationSeconds} s`,
    );
  }
  if (Math.max(w, h) > limits.maxDimension) {
    throw new InvalidMediaError(
      `the source is ${w}x${h}; the limit is ${limits.maxDimension} pixels on either side`,
    );
  }
  if (frameRate > limits.maxFrameRate) {
    throw new InvalidMediaError(
      `the source runs at ${frameRate.toFixed(2)} fps; the limit is ${limits.maxFrameRate} fps`,
    );
  }
}

/**
 * The poster is taken 10% into the video (at most 10 s in), counted from the video's own first
 * frame: a stream that starts late or is short still has a frame there.
 */
export function posterTime(source: SourceInfo): number {
  const { startSeconds, durationSeconds } = source.video;
  return startSeconds + Math.min(durationSeconds * 0.1, 10);
}

/** The same source, as if it had no audio track. */
export function withoutAudio(source: SourceInfo): SourceInfo {
  const { audio: _audio, ...rest } = source;
  return rest;
}
