import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describeError } from '../base/errors.ts';
import { pieceCut, seekInPiece, type ChunkPlan } from './chunks.ts';
import { buildPieceInvocation, pieceExtension } from './ffmpeg-args.ts';
import { runFfmpeg, runFfprobe, type FfmpegPaths } from './ffmpeg.ts';
import { fileSize } from './local-files.ts';
import type { SourceInfo } from './probe.ts';

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
  },
): Promise<PieceOutcome[]> {
  const { source, signal, outDir } = input;
  const probed = await runFfprobe(paths, input.sourcePath, signal);
  const sourceStartSeconds = finite(probed.format?.start_time) ?? 0;
  const outcomes: PieceOutcome[] = [];
  for (const window of input.chunks.chunks) {
    const file = `chunk-${window.index}.${pieceExtension(source)}`;
    const path = join(outDir, file);
    const drop = async (reason: string) => {
      signal.throwIfAborted();
      await rm(path, { force: true });
      outcomes.push({ index: window.index, reason });
    };
    try {
      await runFfmpeg(
        paths,
        buildPieceInvocation({
          sourcePath: input.sourcePath,
          source,
          cut: pieceCut(window),
          cwd: outDir,
          target: file,
        }),
        { signal },
      );
      const piece = await runFfprobe(paths, path, signal, { packets: 1 });
      const start = finite(piece.format?.start_time);
      const duration = finite(piece.format?.duration);
      if (start === undefined || duration === undefined) {
        await drop('the piece has no start or duration');
        continue;
      }
      const seek = seekInPiece(window, {
        sourceStartSeconds,
        startSeconds: start,
        endSeconds: start + duration,
        startsOnKeyframe: piece.packets?.[0]?.flags?.startsWith('K') === true,
      });
      if (!seek.ok) {
        await drop(seek.reason);
        continue;
      }
      outcomes.push({
        index: window.index,
        file,
        bytes: await fileSize(path),
        seekSeconds: seek.seekSeconds,
      });
    } catch (err) {
      await drop(`the stream copy failed: ${describeError(err).message}`);
    }
  }
  return outcomes;
}

function finite(value: string | undefined): number | undefined {
  const n = Number(value);
  return value !== undefined && value !== 'N/A' && Number.isFinite(n) ? n : undefined;
}
