import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';
import type { AudioOutcome } from '../../worker/src/transcode/audio.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import type { TranscodeRequest } from '../../worker/src/transcode/ladder/plan.ts';
import type { SourceInfo } from '../../worker/src/transcode/source/source-info.ts';
import type { AudioPiece } from '../../worker/src/transcode/split/audio-piece.ts';
import type { ChunkPlan, ChunkSettings } from '../../worker/src/transcode/split/chunks.ts';
import type { PieceOutcome } from '../../worker/src/transcode/split/pieces.ts';
import type { Transcoder } from '../../worker/src/transcode/transcoder.ts';

/** The transcoder's methods, bound to it, so a test can spread them and wrap one. */
export function boundTranscoder(t: WorkerDeps['transcoder']): WorkerDeps['transcoder'] {
  return {
    checkCodecs: t.checkCodecs.bind(t),
    probe: t.probe.bind(t),
    transcode: t.transcode.bind(t),
    planChunks: t.planChunks.bind(t),
    cutPieces: t.cutPieces.bind(t),
    cutAudioPiece: t.cutAudioPiece.bind(t),
    encodeChunk: t.encodeChunk.bind(t),
    encodeAudio: t.encodeAudio.bind(t),
    assemble: t.assemble.bind(t),
  };
}

/** Everything a split job made, part by part. */
export interface SplitRun {
  readonly probed: SourceInfo;
  readonly plan: ChunkPlan;
  readonly piecesDir: string;
  readonly pieces: readonly PieceOutcome[];
  readonly audioPiece: AudioPiece | { readonly reason: string };
  readonly chunkDirs: readonly string[];
  readonly audioDir: string;
  readonly audio: AudioOutcome;
  readonly outDir: string;
  readonly result: TranscodeResult;
}

/**
 * A long source split as a split job's Jobs run it, one after the other in folders under
 * `root` (pieces/, chunk-<n>/, audio/, out/): the planner probes, plans, cuts the chunks' pieces
 * and the audio's; each chunk's Job encodes its piece (or the source), the audio's Job its
 * piece (or the source), and the stitch joins them. `onStep` hears each part as it ends.
 */
export async function runSplitJob(
  transcoder: Transcoder,
  p: {
    readonly sourcePath: string;
    readonly request: TranscodeRequest;
    readonly settings: ChunkSettings;
    readonly root: string;
    readonly signal: AbortSignal;
    readonly onStep?: (title: string, made: Record<string, unknown>) => void;
  },
): Promise<SplitRun> {
  const { sourcePath, request, signal, root } = p;
  const dir = (name: string) => {
    const path = join(root, name);
    mkdirSync(path, { recursive: true });
    return path;
  };
  const probed = await transcoder.probe(sourcePath, signal);
  const plan = transcoder.planChunks(probed, request, p.settings);
  if (!plan) throw new Error('the source is not split by these settings');
  const piecesDir = dir('pieces');
  const cut = { sourcePath, source: probed, outDir: piecesDir, signal };
  const pieces = await transcoder.cutPieces({ ...cut, chunks: plan });
  const audioPiece = await transcoder.cutAudioPiece(cut);
  p.onStep?.('plan and pieces', { probed, plan, pieces, audioPiece });

  const chunkDirs: string[] = [];
  for (const window of plan.chunks) {
    const outDir = dir(`chunk-${window.index}`);
    const piece = pieces[window.index];
    await transcoder.encodeChunk({
      sourcePath: piece && 'file' in piece ? join(piecesDir, piece.file) : sourcePath,
      outDir,
      request,
      signal,
      source: probed,
      window,
      ...(piece && 'file' in piece ? { piece } : {}),
    });
    chunkDirs.push(outDir);
    p.onStep?.(`chunk ${window.index}`, { dir: outDir });
  }

  const audioDir = dir('audio');
  const audio = await transcoder.encodeAudio({
    sourcePath: () =>
      Promise.resolve('file' in audioPiece ? join(piecesDir, audioPiece.file) : sourcePath),
    outDir: audioDir,
    request,
    signal,
    probed,
    ...('file' in audioPiece ? { piece: audioPiece } : {}),
  });
  p.onStep?.('audio', { audio, dir: audioDir });

  const outDir = dir('out');
  const result = await transcoder.assemble({
    sourcePath: () => Promise.resolve(sourcePath),
    outDir,
    request,
    signal,
    probed,
    chunkDirs,
    audioDir,
    audio,
  });
  p.onStep?.('stitch', { result });
  return {
    probed,
    plan,
    piecesDir,
    pieces,
    audioPiece,
    chunkDirs,
    audioDir,
    audio,
    outDir,
    result,
  };
}
