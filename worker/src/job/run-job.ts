import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidMediaError } from '../base/errors.ts';
import type { JobRequest } from '../contract/message.ts';
import { childOf, type S3Location } from '../contract/s3-uri.ts';
import type { JobProgress } from '../record/job-record.ts';
import type { OutputFile } from '../transcode/package/output-files.ts';
import { settleSignal, type JobContext } from './base/context.ts';
import type { StoragePort } from './base/ports.ts';
import { summarize, type JobResultSummary } from './base/summary.ts';
import { PART, type SplitPlan } from './base/split-work.ts';
import type { SplitDispatcher } from './split.ts';
import { taskName, type TaskSpec } from '../contract/task.ts';
import type { PieceOutcome } from '../transcode/split/pieces.ts';
import { livePublisher } from './publish-live.ts';
import { checkFreeSpace, createWorkDir, sourceExtension, type WorkDir } from './base/work-dir.ts';

/** A claimed job's end: its outputs published, or a plan to split it across many Jobs. */
export type JobOutcome =
  | { readonly kind: 'done'; readonly summary: JobResultSummary }
  | { readonly kind: 'split'; readonly plan: SplitPlan };

/**
 * The work of one claimed job: check the source's size against the limits and the disk,
 * download it, probe it; a source longer than the split threshold is planned for many Jobs
 * (its tasks sent as their pieces are cut, split.ts), any other is transcoded and every output
 * uploaded. The work directory is removed whatever happens. Throws the error model's errors; the caller settles.
 */
export async function runJob(
  ctx: JobContext,
  request: JobRequest,
  {
    output,
    work,
    dispatcher,
  }: {
    readonly output: S3Location;
    readonly work: S3Location;
    /** Sends a split's tasks as the planner cuts their pieces (split.ts). */
    readonly dispatcher: SplitDispatcher;
  },
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
      const plan = await planPieces(
        ctx,
        {
          plan: {
            version: 1,
            source: { bytes: head.size, ...(head.etag ? { etag: head.etag } : {}) },
            probed,
            chunks,
          },
          sourcePath,
          dir,
          work,
          audio: request.audio !== 'none',
        },
        dispatcher,
        signal,
      );
      return { kind: 'split', plan };
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
 * The split's pieces, cut and sent as the planner goes (split.ts): the plan is recorded, then
 * the first chunk's piece is cut and uploaded and its task sent, then the audio's, then each
 * next chunk's: the first chunks encode while the planner still cuts. Each piece is a stream
 * copy of the chunk's part of the source (or the audio track alone) under the split's work
 * prefix, so that each chunk's Job downloads its piece alone and the audio's Job the audio
 * alone. A piece that could not be cut is left out and its task reads the whole source (logged).
 */
async function planPieces(
  ctx: JobContext,
  p: {
    readonly plan: SplitPlan;
    readonly sourcePath: string;
    readonly dir: WorkDir;
    readonly work: S3Location;
    readonly audio: boolean;
  },
  dispatcher: SplitDispatcher,
  signal: AbortSignal,
): Promise<SplitPlan> {
  const { deps, log } = ctx;
  const t = deps.clock.now();
  const outDir = join(p.dir.outDir, PART.pieces);
  await mkdir(outDir, { recursive: true });
  const cut = { sourcePath: p.sourcePath, source: p.plan.probed, outDir, signal };
  await dispatcher.plan(p.plan);
  let plan = p.plan;
  let bytes = 0;
  const send = async (task: TaskSpec) => {
    await dispatcher.send(plan, [task]);
    log.info({ task: taskName(task), ms: deps.clock.now() - t }, 'task sent');
  };
  // A chunk's piece up, into the plan, and its task sent; one it could not cut reads the source.
  const onPiece = async (o: PieceOutcome) => {
    if ('reason' in o) {
      log.warn({ chunk: o.index, reason: o.reason }, 'chunk reads the whole source');
    } else {
      await uploadPiece(ctx, join(outDir, o.file), p.work, o.file, signal);
      const piece = {
        index: o.index,
        key: `${PART.pieces}${o.file}`,
        bytes: o.bytes,
        seekSeconds: o.seekSeconds,
      };
      plan = { ...plan, pieces: [...(plan.pieces ?? []), piece] };
      bytes += o.bytes;
    }
    await send({ type: 'chunk', index: o.index });
  };
  // The order of splitTasks: the first chunk, the audio, the other chunks (each sent as it is cut).
  const [first, ...others] = plan.chunks.chunks;
  await deps.transcoder.cutPieces({
    ...cut,
    chunks: { ...plan.chunks, chunks: [first!] },
    onPiece,
  });
  if (p.audio && plan.probed.audio) {
    const audio = await deps.transcoder.cutAudioPiece(cut);
    if ('reason' in audio) {
      log.warn({ reason: audio.reason }, 'the audio reads the whole source');
    } else {
      await uploadPiece(ctx, join(outDir, audio.file), p.work, audio.file, signal);
      const audioPiece = {
        key: `${PART.pieces}${audio.file}`,
        bytes: audio.bytes,
        offsetSeconds: audio.offsetSeconds,
      };
      plan = { ...plan, audioPiece };
      bytes += audio.bytes;
    }
  }
  await send({ type: 'audio' });
  if (others.length > 0) {
    await deps.transcoder.cutPieces({
      ...cut,
      chunks: { ...plan.chunks, chunks: others },
      onPiece,
    });
  }
  log.info(
    {
      pieces: plan.pieces?.length ?? 0,
      audio: plan.audioPiece !== undefined,
      bytes,
      ms: deps.clock.now() - t,
    },
    'pieces of the source cut, uploaded and sent',
  );
  return plan;
}

/** One piece of the source under the split's work prefix (never served). */
async function uploadPiece(
  ctx: JobContext,
  path: string,
  work: S3Location,
  file: string,
  signal: AbortSignal,
): Promise<void> {
  await ctx.deps.storage.uploadAll(
    [
      {
        path,
        location: childOf(childOf(work, PART.pieces), file),
        contentType: 'application/octet-stream',
        cacheControl: 'no-store',
      },
    ],
    signal,
  );
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
