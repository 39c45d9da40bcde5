import type { Encoders } from '../encode/video/encoder.ts';
import type { FfmpegPaths } from '../ffmpeg/invocation.ts';
import type { AudioFate } from '../ladder/audio-decision.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { planOutputs, type ThumbnailSpec, type TranscodeRequest } from '../ladder/plan.ts';
import type { SourceInfo } from '../source/source-info.ts';
import type { Loudness } from './result.ts';

/** What every finishing step reads: the run's outputs in `outDir`, and what made them. */
export interface FinishContext {
  readonly paths: FfmpegPaths;
  /** The encoders the rungs' video was written with: they name their codec strings. */
  readonly encoders: Encoders;
  readonly segmentSeconds: number;
  readonly outDir: string;
  readonly request: TranscodeRequest;
  readonly signal: AbortSignal;
  /** The source, only for a fallback poster or subtitle tracks (a stitch downloads it then). */
  readonly sourcePath: () => Promise<string>;
  /** The source as probed, and as encoded (without its audio when that was left out). */
  readonly probed: SourceInfo;
  readonly source: SourceInfo;
  readonly audio: AudioFate;
  /** Collected as the steps go, for the record. */
  readonly warnings: string[];
  readonly normalized?: Loudness;
  readonly rungs: readonly PlannedRung[];
  readonly thumbnails: ThumbnailSpec | false;
}

/** The context of a finish, the rungs and thumbnail grid planned from the request. */
export function finishContext(run: Omit<FinishContext, 'rungs' | 'thumbnails'>): FinishContext {
  return { ...run, ...planOutputs(run.request, run.source) };
}
