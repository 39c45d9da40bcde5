import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMediaError } from '../base/errors.ts';
import type { JobRequest } from '../contract/message.ts';
import { childOf, type S3Location } from '../contract/s3-uri.ts';
import type { JobProgress } from '../record/job-record.ts';
import type { ChunkPlan } from '../transcode/split/chunks.ts';
import type { OutputFile } from '../transcode/package/output-files.ts';
import type { Piece } from '../transcode/split/pieces.ts';
import type { SourceInfo } from '../transcode/source/source-info.ts';
import { settleSignal, type JobContext } from './base/context.ts';
import type { StoragePort } from './base/ports.ts';
import { summarize, type JobResultSummary } from './base/summary.ts';
import { PART, uploadDir, type SplitPlan } from './base/split-work.ts';
import { livePublisher } from './publish-live.ts';
import { checkFreeSpace, createWorkDir, sourceExtension, type WorkDir } from './base/work-dir.ts';

/** A claimed job's end: its outputs published, or a plan to split it across many Jobs. */
export type JobOutcome =
  | { readonly kind: 'done'; readonly summary: JobResultSummary }
  | { readonly kind: 'split'; readonly plan: SplitPlan };

/**
 * The work of one claimed job: check the source's size against the limits and the disk,
 * download it, probe it; a source longer than the split threshold is planned for many Jobs
 * (split.ts sends them), any other is transcoded and every output uploaded. The work directory
 * is removed whatever happens. Throws the error model's errors; the caller settles.
 */
export async function runJob(
  ctx: JobContext,
  request: JobRequest,
  { output, work }: { readonly output: S3Location; readonly work: S3Location },
  signal: AbortSignal,
  onProgress: (p: JobProgress) => void,
): Promise<JobOutcome> {
  const { deps, settings, jobId, log } = ctx;
  // A codec this worker cannot write is refused before anything is downloaded.
  await deps.transcoder.checkCodecs(request.codecs, signal);
  const dir = await createWorkDir(settings.workDir, jobId);
  try {
    const head = await deps.storage.head(request.input, signal);
    if (head.size === 0) throw new InvalidMediaError('the source is an empty file (0 bytes)');
    if (head.size > settings.maxInputBytes) {
      throw new InvalidMediaError(
        `the source is ${head.size} bytes; the limit is ${settings.maxInputBytes} (MAX_INPUT_BYTES)`,
      );
    }
    await checkFreeSpace(dir.root, head.size, settings.outputSizeFactor);

    const sourcePath = dir.sourcePath(sourceExtension(request.input.key));
    onProgress({ stage: 'downloading', percent: 0 });
    let t = deps.clock.now();
    await deps.storage.download(request.input, sourcePath, head, signal);
    const downloadMs = deps.clock.now() - t;
    log.info({ bytes: head.size, ms: downloadMs }, 'source downloaded');

    t = deps.clock.now();
    const probed = await deps.transcoder.probe(sourcePath, signal);
    const chunks = settings.split
      ? deps.transcoder.planChunks(probed, request, settings.split)
      : undefined;
    if (chunks) {
      log.info(
        { chunks: chunks.chunks.length, chunkSeconds: chunks.chunkSeconds },
        'source split across Jobs',
      );
      onProgress({ stage: 'uploading', percent: 0 });
      const pieces = await uploadPieces(
        ctx,
        { sourcePath, probed, chunks, dir, work, audio: request.audio !== 'none' },
        signal,
      );
      return {
        kind: 'split',
        plan: {
          version: 1,
          source: { bytes: head.size, ...(head.etag ? { etag: head.etag } : {}) },
          probed,
          chunks,
          ...pieces,
        },
      };
    }
    // Its segments go up while ffmpeg writes them (publish-live.ts): playable long before the end.
    const live = livePublisher(ctx, { request, output, outDir: dir.outDir }, signal);
    try {
      const result = await deps.transcoder.transcode({
        probed,
        sourcePath,
        outDir: dir.outDir,
        request,
        signal,
        onProgress: (p) => onProgress({ stage: 'transcoding', ...p }),
        ...(live ? { onTracks: live.onTracks, onWatchError: live.onWatchError } : {}),
      });
      const transcodeMs = deps.clock.now() - t;
      log.info({ renditions: result.renditions.map((r) => r.name), ms: transcodeMs }, 'transcoded');
      if (result.warnings.length > 0)
        log.warn({ warnings: result.warnings }, 'transcoded with warnings');

      onProgress({
        stage: 'uploading',
        percent: 100,
        rungs: result.renditions.map((r) => r.name),
      });
      t = deps.clock.now();
      const rest = result.files.filter((f) => !live?.isPublished(f.relativeKey, f.size));
      await publishOutputs(deps.storage, rest, output, signal);
      const uploadMs = deps.clock.now() - t;
      log.info(
        { files: rest.length, whileEncoding: result.files.length - rest.length, ms: uploadMs },
        'outputs uploaded',
      );
      return {
        kind: 'done',
        summary: summarize(output, head.size, result, { downloadMs, transcodeMs, uploadMs }),
      };
    } catch (err) {
      await live?.fail(settleSignal(settings));
      throw err;
    }
  } finally {
    await dir.remove().catch((err: unknown) => log.warn({ err }, 'work directory not removed'));
  }
}

/**
 * Cuts each chunk's piece of the source and the audio's (the transcoder's stream copies) and
 * uploads them under the split's work prefix, so that each chunk's Job downloads its piece
 * alone and the audio's Job the audio alone. A piece that could not be cut is left out and its
 * task reads the whole source (logged). `audio`: whether the job wants the source's audio.
 */
async function uploadPieces(
  ctx: JobContext,
  p: {
    readonly sourcePath: string;
    readonly probed: SourceInfo;
    readonly chunks: ChunkPlan;
    readonly dir: WorkDir;
    readonly work: S3Location;
    readonly audio: boolean;
  },
  signal: AbortSignal,
): Promise<Pick<SplitPlan, 'pieces' | 'audioPiece'>> {
  const { deps, log } = ctx;
  const t = deps.clock.now();
  const outDir = join(p.dir.outDir, PART.pieces);
  await mkdir(outDir, { recursive: true });
  const cut = { sourcePath: p.sourcePath, source: p.probed, outDir, signal };
  const outcomes = await deps.transcoder.cutPieces({ ...cut, chunks: p.chunks });
  const pieces = outcomes.filter((o): o is Piece => 'file' in o);
  for (const o of outcomes) {
    if ('reason' in o)
      log.warn({ chunk: o.index, reason: o.reason }, 'chunk reads the whole source');
  }
  const audio = p.audio && p.probed.audio ? await deps.transcoder.cutAudioPiece(cut) : undefined;
  if (audio && 'reason' in audio) {
    log.warn({ reason: audio.reason }, 'the audio reads the whole source');
  }
  const audioPiece = audio && 'file' in audio ? audio : undefined;
  const cutMs = deps.clock.now() - t;
  await uploadDir(deps.storage, outDir, childOf(p.work, PART.pieces), signal);
  const bytes = pieces.reduce((sum, piece) => sum + piece.bytes, audioPiece?.bytes ?? 0);
  log.info(
    {
      pieces: pieces.length,
      audio: audioPiece !== undefined,
      bytes,
      cutMs,
      uploadMs: deps.clock.now() - t - cutMs,
    },
    'pieces of the source uploaded',
  );
  return {
    pieces: pieces.map((piece) => ({
      index: piece.index,
      key: `${PART.pieces}${piece.file}`,
      bytes: piece.bytes,
      seekSeconds: piece.seekSeconds,
    })),
    ...(audioPiece
      ? {
          audioPiece: {
            key: `${PART.pieces}${audioPiece.file}`,
            bytes: audioPiece.bytes,
            offsetSeconds: audioPiece.offsetSeconds,
          },
        }
      : {}),
  };
}

/** Every output file to its key under the job's output prefix, as S3 should serve it. */
export async function publishOutputs(
  storage: StoragePort,
  files: readonly OutputFile[],
  output: S3Location,
  signal: AbortSignal,
): Promise<void> {
  await storage.uploadAll(
    files.map((f) => ({
      path: f.path,
      location: childOf(output, f.relativeKey),
      contentType: f.contentType,
      cacheControl: f.cacheControl,
    })),
    signal,
  );
}
