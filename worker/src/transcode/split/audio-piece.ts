import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../base/errors.ts';
import { runFfprobe } from '../ffmpeg/ffprobe.ts';
import type { FfmpegInvocation, FfmpegPaths } from '../ffmpeg/invocation.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { fileSize } from '../files/local-files.ts';
import type { SourceInfo } from '../source/source-info.ts';
import {
  audioPieceExtension,
  buildAudioHashInvocation,
  buildAudioPieceInvocation,
} from './piece-invocations.ts';
import { finite, sourceTiming } from './pieces.ts';

/**
 * The audio's piece: its file (relative to the pieces' directory), and what to add to its
 * timestamps so that they land where the source's do (buildAudioInvocation's offsetSeconds).
 */
export interface AudioPiece {
  readonly file: string;
  readonly bytes: number;
  readonly offsetSeconds: number;
}

/**
 * The source's audio track alone, stream-copied into `outDir` (an hour of AAC is tens of MB
 * where the source is GBs), so that the audio's Job downloads that and not the source. It is
 * kept only if it decodes to the very samples at the very times the source's track does: the
 * source's track is decoded and hashed frame by frame while it is copied, the copy decoded and
 * hashed after, and the two must be equal. Otherwise (a copy that packs samples differently, a
 * codec whose start is trimmed differently in another container) it is deleted, the reason
 * given, and the audio reads the whole source. Only an abort stops it.
 */
export async function cutAudioPiece(
  paths: FfmpegPaths,
  input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly outDir: string;
    readonly signal: AbortSignal;
  },
): Promise<AudioPiece | { readonly reason: string }> {
  const { source, signal, outDir } = input;
  if (!source.audio) return { reason: 'the source has no audio' };
  const file = `audio.${audioPieceExtension(source)}`;
  try {
    const timing = await sourceTiming(paths, input.sourcePath, source.audio.index, signal);
    const cut = audioPieceRuns(input.sourcePath, source, timing, outDir);
    for (const inv of cut.invocations) await runFfmpeg(paths, inv, { signal });
    return await acceptAudioPiece(paths, outDir, cut.file, timing.startSeconds, signal);
  } catch (err) {
    signal.throwIfAborted();
    await rm(join(outDir, file), { force: true });
    return { reason: `its copy could not be made or read: ${describeError(err).message}` };
  } finally {
    await Promise.all(Object.values(AUDIO_HASHES).map((h) => rm(join(outDir, h), { force: true })));
  }
}

/** Where the two frame hashes of the audio's check are written (and removed after). */
const AUDIO_HASHES = { source: 'audio.source.framemd5', piece: 'audio.piece.framemd5' };

/**
 * The two ffmpeg runs of the audio's piece (cutAudioPiece): the copy, with the source's track
 * hashed in the same read; then the copy's hash. `timing`: sourceTiming of the audio's stream.
 */
export function audioPieceRuns(
  sourcePath: string,
  source: SourceInfo,
  timing: { readonly timescale?: number },
  outDir: string,
): { readonly file: string; readonly invocations: readonly FfmpegInvocation[] } {
  const file = `audio.${audioPieceExtension(source)}`;
  return {
    file,
    invocations: [
      buildAudioPieceInvocation({
        sourcePath,
        source,
        ...(timing.timescale ? { timescale: timing.timescale } : {}),
        cwd: outDir,
        target: file,
        hash: AUDIO_HASHES.source,
      }),
      buildAudioHashInvocation({ piecePath: file, cwd: outDir, hash: AUDIO_HASHES.piece }),
    ],
  };
}

/**
 * After audioPieceRuns: the piece if the two hashes are equal, with the offset that puts its
 * timestamps where the source's are; else deleted, and why.
 */
export async function acceptAudioPiece(
  paths: FfmpegPaths,
  outDir: string,
  file: string,
  sourceStartSeconds: number,
  signal: AbortSignal,
): Promise<AudioPiece | { readonly reason: string }> {
  const path = join(outDir, file);
  const differs = firstDifference(
    await readFile(join(outDir, AUDIO_HASHES.source), 'utf8'),
    await readFile(join(outDir, AUDIO_HASHES.piece), 'utf8'),
  );
  const pieceStart = finite((await runFfprobe(paths, path, signal)).format?.start_time);
  if (differs !== undefined || pieceStart === undefined) {
    await rm(path, { force: true });
    return {
      reason:
        differs !== undefined
          ? `its copy decodes differently from the source (line ${differs} of their frame hashes)`
          : 'its copy has no start time',
    };
  }
  return {
    file,
    bytes: await fileSize(path),
    // Both starts are whole microseconds (ffmpeg's time base for a file's start).
    offsetSeconds: (micros(pieceStart) - micros(sourceStartSeconds)) / 1e6,
  };
}

/** The first line (1-based) at which two texts differ; undefined if they are equal. */
function firstDifference(a: string, b: string): number | undefined {
  if (a === b) return undefined;
  const x = a.split('\n');
  const y = b.split('\n');
  const i = x.findIndex((line, n) => line !== y[n]);
  return (i === -1 ? x.length : i) + 1;
}

function micros(seconds: number): number {
  return Math.round(seconds * 1e6);
}
