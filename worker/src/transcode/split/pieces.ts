import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../../base/errors.ts';
import { runFfprobe } from '../ffmpeg/ffprobe.ts';
import type { FfmpegPaths } from '../ffmpeg/invocation.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { fileSize } from '../files/local-files.ts';
import type { SourceInfo } from '../source/source-info.ts';
import {
  pieceCut,
  seekInPiece,
  type ChunkPlan,
  type ChunkWindow,
  type PieceFacts,
} from './chunks.ts';
import { buildPieceInvocation, pieceExtension } from './piece-invocations.ts';

/**
 * The containers pieces are cut from: indexed ones, whose copies the corpus run checks frame
 * for frame (`npm run corpus -- <folder> --pieces`). MPEG-TS/PS seek without an index (a copy
 * may start late), AVI counts time in whole frames (a chunk's times round differently); their
 * chunks read the whole source.
 */
const PIECE_CONTAINERS = ['mov', 'mp4', 'matroska', 'webm'];

/** A chunk's piece, ready: its file (relative to the pieces' directory) and where it seeks. */
export interface Piece {
  readonly index: number;
  readonly file: string;
  readonly bytes: number;
  readonly seekSeconds: number;
}

/** A chunk without a piece reads the whole source; the reason is logged. */
export type PieceOutcome = Piece | { readonly index: number; readonly reason: string };

/**
 * Each chunk's piece of a long source (chunks.ts), stream-copied into `outDir`, one ffmpeg run
 * per chunk (each reads only its part of the file). Each is probed and checked against its
 * chunk (seekInPiece); one that cannot stand in for the source is deleted and its chunk reads
 * the whole source. Only an abort stops the cutting.
 */
export async function cutPieces(
  paths: FfmpegPaths,
  input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly chunks: ChunkPlan;
    readonly outDir: string;
    readonly signal: AbortSignal;
    /** Told of each piece as soon as it is cut (or dropped), in order. */
    readonly onPiece?: (outcome: PieceOutcome) => Promise<void>;
  },
): Promise<PieceOutcome[]> {
  const { source, signal, outDir } = input;
  const outcomes: PieceOutcome[] = [];
  const tell = async (outcome: PieceOutcome) => {
    outcomes.push(outcome);
    await input.onPiece?.(outcome);
  };
  if (!PIECE_CONTAINERS.some((f) => source.formatName.split(',').includes(f))) {
    for (const w of input.chunks.chunks) {
      await tell({
        index: w.index,
        reason: `pieces are cut from MP4/MOV and Matroska/WebM sources only, not ${source.formatName}`,
      });
    }
    return outcomes;
  }
  const { startSeconds: sourceStartSeconds, timescale } = await sourceTiming(
    paths,
    input.sourcePath,
    source.video.index,
    signal,
  );
  const facts = sourceFacts(source, sourceStartSeconds);
  const cutOne = async (window: ChunkWindow): Promise<PieceOutcome> => {
    const file = `chunk-${window.index}.${pieceExtension(source)}`;
    const path = join(outDir, file);
    const drop = async (reason: string) => {
      signal.throwIfAborted();
      await rm(path, { force: true });
      return { index: window.index, reason };
    };
    try {
      await runFfmpeg(
        paths,
        buildPieceInvocation({
          sourcePath: input.sourcePath,
          source,
          cut: pieceCut(window),
          ...(timescale ? { timescale } : {}),
          cwd: outDir,
          target: file,
        }),
        { signal },
      );
      const seek = await checkPiece(paths, path, window, facts, signal);
      if (!seek.ok) return await drop(seek.reason);
      return {
        index: window.index,
        file,
        bytes: await fileSize(path),
        seekSeconds: seek.seekSeconds,
      };
    } catch (err) {
      return drop(`the piece could not be cut or read: ${describeError(err).message}`);
    }
  };
  for (const window of input.chunks.chunks) await tell(await cutOne(window));
  return outcomes;
}

/** What a piece is checked against: the source's start, where its video ends, a frame's length. */
export function sourceFacts(
  source: SourceInfo,
  sourceStartSeconds: number,
): Pick<PieceFacts, 'sourceStartSeconds' | 'sourceEndSeconds' | 'frameSeconds'> {
  return {
    sourceStartSeconds,
    sourceEndSeconds: sourceStartSeconds + source.video.startSeconds + source.video.durationSeconds,
    frameSeconds: 1 / source.video.frameRate,
  };
}

/**
 * Whether a cut piece can stand in for the source in its chunk (seekInPiece), from what ffprobe
 * reads of it: its start, its end, and whether its first packet is a keyframe.
 */
export async function checkPiece(
  paths: FfmpegPaths,
  path: string,
  window: ChunkWindow,
  source: Pick<PieceFacts, 'sourceStartSeconds' | 'sourceEndSeconds' | 'frameSeconds'>,
  signal: AbortSignal,
): Promise<ReturnType<typeof seekInPiece>> {
  const piece = await runFfprobe(paths, path, signal, { packets: 1 });
  // Input -ss counts from the file's start; the video's own start and duration give its end
  // (the file's duration counts from 0: the piece's edit list starts with an empty edit).
  const video = piece.streams?.[0];
  const start = finite(piece.format?.start_time);
  const videoStart = finite(video?.start_time);
  const duration = finite(video?.duration);
  if (start === undefined || videoStart === undefined || duration === undefined) {
    return { ok: false, reason: 'the piece has no start or duration' };
  }
  return seekInPiece(window, {
    ...source,
    startSeconds: start,
    endSeconds: videoStart + duration,
    startsOnKeyframe: piece.packets?.[0]?.flags?.startsWith('K') === true,
  });
}

/**
 * A source's start time (ffmpeg's format start_time), from which input -ss counts, and a
 * stream's time base as a timescale (1/30 -> 30): a piece keeps it, so that every timestamp
 * ffmpeg computes for a chunk rounds as it does in the source.
 */
export async function sourceTiming(
  paths: FfmpegPaths,
  sourcePath: string,
  streamIndex: number,
  signal: AbortSignal,
): Promise<{ readonly startSeconds: number; readonly timescale?: number }> {
  const probe = await runFfprobe(paths, sourcePath, signal);
  const base = probe.streams?.find((s) => s.index === streamIndex)?.time_base?.split('/');
  const timescale = base?.[0] === '1' ? Number(base[1]) : undefined;
  return {
    startSeconds: finite(probe.format?.start_time) ?? 0,
    ...(timescale && Number.isInteger(timescale) && timescale > 0 ? { timescale } : {}),
  };
}

export function finite(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value !== 'N/A' && Number.isFinite(n) ? n : undefined;
}
