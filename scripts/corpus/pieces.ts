import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../worker/src/base/errors.ts';
import { planChunks } from '../../worker/src/transcode/split/chunks.ts';
import { fpsExpression } from '../../worker/src/transcode/ffmpeg/expressions.ts';
import type { SourceInfo } from '../../worker/src/transcode/source/source-info.ts';
import type { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { decodedAudio, decodedFrames } from './measure.ts';

/** What became of one file's pieces: how many chunks, how many pieces stood in, why not the rest. */
export interface PieceCheck {
  readonly file: string;
  readonly chunks: number;
  readonly accepted: number;
  readonly dropped: readonly string[];
  /** Chunks whose piece was accepted yet decodes other frames than the source: a bug. */
  readonly mismatched: readonly number[];
  /**
   * The audio's piece: accepted and decoding, moved by its offset, the very frames at the very
   * times the source's track does; accepted yet not (a bug); or the product's reason to refuse.
   */
  readonly audio?: 'same' | 'MISMATCH' | { readonly refused: string };
  readonly skipped?: string;
}

/**
 * Cuts a file into three chunks as a split job would (at any length: the chunks here are a
 * third of the file, not whole 4 s segments), cuts their pieces, and checks that every piece the
 * product accepts decodes, read as the chunk reads it, the very frames at the very times the
 * source does.
 */
export async function checkPieces(
  transcoder: Transcoder,
  ffmpeg: string,
  file: string,
  source: string,
  workDir: string,
): Promise<PieceCheck> {
  const signal = AbortSignal.timeout(600_000);
  const none = { file, chunks: 0, accepted: 0, dropped: [], mismatched: [] };
  let probed;
  try {
    probed = await transcoder.probe(source, signal);
  } catch (err) {
    return { ...none, skipped: `refused: ${describeError(err).message}` };
  }
  const third = Math.floor((probed.video.durationSeconds / 3) * 100) / 100;
  const plan = planChunks({
    durationSeconds: probed.video.durationSeconds,
    frameRate: fpsExpression(probed.video.frameRate),
    frameStep: 1,
    segmentSeconds: third,
    settings: { thresholdSeconds: 0, chunkSeconds: third },
  });
  if (!plan || !(third >= 0.2)) return { ...none, skipped: 'too short to cut' };
  const outDir = join(workDir, 'pieces');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  try {
    const pieces = await transcoder.cutPieces({
      sourcePath: source,
      source: probed,
      chunks: plan,
      outDir,
      signal,
    });
    const mismatched: number[] = [];
    const dropped: string[] = [];
    for (const [i, window] of plan.chunks.entries()) {
      const piece = pieces[i]!;
      if (!('file' in piece)) {
        dropped.push(`chunk ${i}: ${piece.reason}`);
        continue;
      }
      const read = window.readSeconds === undefined ? {} : { readSeconds: window.readSeconds };
      const [a, b] = await Promise.all([
        decodedFrames(ffmpeg, source, {
          seekSeconds: window.seekSeconds,
          stream: probed.video.index,
          ...read,
        }),
        decodedFrames(ffmpeg, join(outDir, piece.file), {
          seekSeconds: piece.seekSeconds,
          ...read,
        }),
      ]);
      if (a.length === 0 || a.join('\n') !== b.join('\n')) mismatched.push(i);
    }
    return {
      file,
      chunks: plan.chunks.length,
      accepted: pieces.filter((p) => 'file' in p).length,
      dropped,
      mismatched,
      ...(probed.audio
        ? { audio: await checkAudioPiece(transcoder, ffmpeg, source, probed, outDir) }
        : {}),
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/**
 * Cuts the audio's piece and, if the product accepts it, compares what the audio's encode is fed
 * from it (stream 0, moved by the piece's offset) with what it is fed from the source (the
 * audio's stream, ffmpeg's timestamps as they come): without -copyts, unlike the product's
 * own check, so that one is checked too.
 */
async function checkAudioPiece(
  transcoder: Transcoder,
  ffmpeg: string,
  source: string,
  probed: SourceInfo,
  outDir: string,
): Promise<NonNullable<PieceCheck['audio']>> {
  const piece = await transcoder.cutAudioPiece({
    sourcePath: source,
    source: probed,
    outDir,
    signal: AbortSignal.timeout(600_000),
  });
  if (!('file' in piece)) return { refused: piece.reason };
  const [a, b] = await Promise.all([
    decodedAudio(ffmpeg, source, { stream: probed.audio!.index }),
    decodedAudio(ffmpeg, join(outDir, piece.file), {
      stream: 0,
      offsetSeconds: piece.offsetSeconds,
    }),
  ]);
  return a.length > 0 && a.join('\n') === b.join('\n') ? 'same' : 'MISMATCH';
}
