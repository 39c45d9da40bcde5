import { buildLadderInvocation } from './encode/ladder-run.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { planOutputs } from './ladder/plan.ts';
import type { SourceInfo } from './source/source-info.ts';
import { posterTime, withoutAudio } from './source/source-checks.ts';
import { posterInChunk, type ChunkWindow } from './split/chunks.ts';

export interface ChunkInput extends TranscodeInput {
  readonly source: SourceInfo;
  readonly window: ChunkWindow;
  /** `sourcePath` is the chunk's piece (split/pieces.ts), read from here. */
  readonly piece?: { readonly seekSeconds: number };
}

/**
 * One chunk of a long source, as one Job does it: only the chunk's frames are read, every
 * rung's video encoded in one ffmpeg (as a single run does it, keyframes on the source's
 * segment grid) to `chunk/<rung>.mp4` in `outDir`, with the chunk's thumbnails and, if its
 * frame lies in the chunk, the poster.
 */
export async function encodeChunk(env: TranscodeEnv, input: ChunkInput): Promise<void> {
  const source = withoutAudio(input.source);
  const { rungs, thumbnails } = planOutputs(input.request, source);
  const { window, piece } = input;
  await runFfmpeg(
    env.paths,
    buildLadderInvocation({
      sourcePath: input.sourcePath,
      // A piece holds the video alone.
      source: piece ? { ...source, video: { ...source.video, index: 0 } } : source,
      ...(piece ? { pieceSeekSeconds: piece.seekSeconds } : {}),
      rungs,
      formats: input.request.formats,
      segmentSeconds: env.segmentSeconds,
      encoders: env.encoders,
      scaler: env.scaler,
      posterAtSeconds: posterInChunk(window, posterTime(source) - source.video.startSeconds),
      thumbnails,
      keepCaptions: input.request.subtitles !== 'none',
      window,
      cwd: input.outDir,
    }),
    { signal: input.signal },
  );
}
