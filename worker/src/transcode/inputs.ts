import type { Encoders } from './encode/video/encoder.ts';
import type { FfmpegPaths } from './ffmpeg/invocation.ts';
import type { TranscodeRequest } from './ladder/plan.ts';
import type { OnTracks } from './progressive/watch.ts';
import type { SourceInfo } from './source/source-info.ts';
import type { MediaLimits } from './source/source-checks.ts';

/** What every operation runs with: the worker's ffmpeg, its limits, its encoding settings. */
export interface TranscodeEnv {
  readonly paths: FfmpegPaths;
  readonly limits: MediaLimits;
  /** How each codec's rungs are encoded (encode/video/). */
  readonly encoders: Encoders;
  /** swscale's algorithm for the rungs' downscales. */
  readonly scaler: string;
  readonly segmentSeconds: number;
}

export interface TranscodeInput {
  readonly sourcePath: string;
  /** An empty directory the outputs are written into. */
  readonly outDir: string;
  readonly request: TranscodeRequest;
  readonly signal: AbortSignal;
  /** The source as probe() read it, when the caller already did. */
  readonly probed?: SourceInfo;
  /**
   * Told of the HLS segments as the run completes them (progressive/watch.ts), for publishing
   * before the run ends; the run's outcome does not depend on it.
   */
  readonly onTracks?: OnTracks;
  /** Where the watch's errors go (they never fail the run). */
  readonly onWatchError?: (err: unknown) => void;
  readonly onProgress?: (progress: {
    percent: number;
    speed?: number;
    rungs: readonly string[];
  }) => void;
}
