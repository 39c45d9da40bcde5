import { describeError, errorAction } from '../base/errors.ts';
import { jobMessageBody } from '../contract/message.ts';
import { childOf } from '../contract/s3-uri.ts';
import { taskBody, taskName, type TaskMessage } from '../contract/task.ts';
import { decideTaskDone, decideTaskFailed, isComplete } from '../record/fanout.ts';
import type { Fanout, JobRecord } from '../record/job-record.ts';
import { settleSignal, ttl, type JobContext, type MessageOutcome } from './base/context.ts';
import { startVisibilityHeartbeat } from './base/heartbeat.ts';
import { deliverEvents, shouldNotify } from './base/notify.ts';
import { decideFailureAction } from './base/retry-policy.ts';
import { publishProgress, withdrawOutputs } from './publish.ts';
import { liveAudioPublisher } from './publish-live.ts';
import { runAssemble } from './run-assemble.ts';
import {
  downloadPiece,
  downloadSource,
  jobWorkPrefix,
  PART,
  readPlan,
  recordedJob,
  uploadPart,
  type PlannedPiece,
} from './base/split-work.ts';
import { createWorkDir } from './base/work-dir.ts';

type SplitRecord = JobRecord & { fanout: Fanout };

/**
 * One task of a split job (split.ts): a chunk's video, the audio, or the stitch. A task of a
 * job that has ended, or of an earlier plan, is dropped. A chunk or the audio runs with its
 * message kept hidden (no lease: a duplicate delivery does the same work to the same keys and is
 * counted once), uploads its outputs to the job's work prefix, and counts itself done in the
 * record; the write that completes the set sends the stitch message.
 */
export async function processTask(
  ctx: JobContext,
  task: TaskMessage,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, log } = ctx;
  const record = await deps.ledger.get(task.jobId, shutdown);
  if (!isLive(record, task.fanout)) {
    log.info(
      { status: record?.status, fanout: task.fanout },
      'task of an ended or re-planned job; dropping it',
    );
    await deps.queue.ack(message.receiptHandle, settleSignal(settings));
    return 'duplicate';
  }
  if (task.task.type === 'assemble') return runAssemble(ctx, task, shutdown);

  const name = taskName(task.task);
  if (record.fanout.done.includes(name)) {
    log.info({ task: name }, 'task already done; deleting the message');
    // Its worker may have died between counting it and sending the stitch.
    if (isComplete(record.fanout)) await sendAssemble(ctx, task, shutdown);
    await deps.queue.ack(message.receiptHandle, settleSignal(settings));
    return 'duplicate';
  }

  const heartbeat = startVisibilityHeartbeat({
    queue: deps.queue,
    logger: log,
    receiptHandle: message.receiptHandle,
    periodSeconds: settings.heartbeatSeconds,
    visibilitySeconds: settings.visibilityTimeoutSeconds,
  });
  const started = deps.clock.now();
  try {
    await runPart(ctx, record, task, shutdown);
    await heartbeat.stop();
  } catch (err) {
    await heartbeat.stop();
    return settleTaskFailure(ctx, record, task, shutdown.aborted ? shutdown.reason : err);
  }

  const result = await deps.ledger.transition(
    task.jobId,
    (current) =>
      decideTaskDone(current, {
        fanoutId: task.fanout,
        task: name,
        receiveCount: message.receiveCount,
        now: deps.clock.now(),
      }),
    { known: record, signal: settleSignal(settings) },
  );
  if (result.kind === 'stale') {
    // The job failed (another task) or was planned again meanwhile: this part is not needed.
    log.info({ task: name }, 'task done, but its job has ended; removing its part');
    const { work } = recordedJob(record);
    await deps.storage.removePrefix(childOf(work, `${name}/`), settleSignal(settings));
  } else {
    const { done, total } = result.record.progress?.tasks ?? { done: 0, total: 0 };
    log.info({ task: name, done, total, ms: deps.clock.now() - started }, 'task done');
    // The growing playlists over what is done (before the stitch message, which ends them).
    if (result.record.fanout) {
      await publishProgress(ctx, result.record as SplitRecord, settleSignal(settings));
    }
    if (result.complete) await sendAssemble(ctx, task, shutdown);
  }
  await deps.queue.ack(message.receiptHandle, settleSignal(settings));
  return 'succeeded';
}

function isLive(record: JobRecord | undefined, fanoutId: number): record is SplitRecord {
  return (
    record !== undefined &&
    record.fanout?.id === fanoutId &&
    (record.status === 'RUNNING' || record.status === 'QUEUED')
  );
}

async function sendAssemble(
  ctx: JobContext,
  task: TaskMessage,
  signal: AbortSignal,
): Promise<void> {
  await ctx.deps.queue.sendAll([taskBody(task.jobId, task.fanout, { type: 'assemble' })], signal);
  ctx.log.info('every part done; stitch message sent');
}

/** Downloads the source, makes the task's part in a work directory, uploads it. */
async function runPart(
  ctx: JobContext,
  record: SplitRecord,
  task: TaskMessage,
  signal: AbortSignal,
): Promise<void> {
  const { deps, settings, log } = ctx;
  const { request, work, output } = recordedJob(record);
  const name = taskName(task.task);
  const dir = await createWorkDir(settings.workDir, `${task.jobId}.${name}`);
  let live: ReturnType<typeof liveAudioPublisher>;
  try {
    const plan = await readPlan(deps.storage, work, signal);
    const source = () => downloadSource(deps.storage, settings, request.input, plan, dir, signal);
    let t = deps.clock.now();
    // A task's input: its piece if the planner cut one, else the whole source (logged).
    const input = async (piece: Pick<PlannedPiece, 'key' | 'bytes'> | undefined, what: string) => {
      const path = piece
        ? await downloadPiece(deps.storage, settings, work, piece, dir, signal)
        : await source();
      log.info(
        { task: name, piece: piece?.key ?? false, ms: deps.clock.now() - t },
        piece ? `${what} downloaded` : 'source downloaded',
      );
      t = deps.clock.now();
      return path;
    };
    if (task.task.type === 'chunk') {
      const index = task.task.index;
      const window = plan.chunks.chunks[index];
      if (!window) throw new Error(`chunk ${index} is not in the plan`);
      // Its piece of the source if the planner cut one, else the whole source.
      const piece = plan.pieces?.find((p) => p.index === index);
      const sourcePath = await input(piece, 'piece of the source');
      const tracks = await deps.transcoder.encodeChunk({
        sourcePath,
        outDir: dir.outDir,
        request,
        signal,
        source: plan.probed,
        window,
        ...(piece ? { piece: { seekSeconds: piece.seekSeconds } } : {}),
      });
      await deps.storage.putText(
        childOf(work, PART.chunkTracks(index)),
        JSON.stringify(tracks),
        'application/json',
        signal,
      );
    } else {
      // The audio's piece if the planner cut one, else the whole source; neither if there is
      // no audio to encode.
      const piece = plan.audioPiece;
      // Its segments go up as ffmpeg writes them, so the first chunks need not wait for it all.
      live = liveAudioPublisher(ctx, { record, chunks: plan.chunks, outDir: dir.outDir }, signal);
      const outcome = await deps.transcoder.encodeAudio({
        sourcePath: () => input(piece, 'audio piece'),
        outDir: dir.outDir,
        request,
        signal,
        probed: plan.probed,
        ...(piece ? { piece: { offsetSeconds: piece.offsetSeconds } } : {}),
        ...(live ? { onTracks: live.onTracks, onWatchError: live.onWatchError } : {}),
      });
      await deps.storage.putText(
        childOf(work, PART.audioOutcome),
        JSON.stringify(outcome),
        'application/json',
        signal,
      );
    }
    const encodeMs = deps.clock.now() - t;
    // Its segments straight to the outputs (the growing playlists list them once it is done);
    // one init segment per track, the first chunk's (every chunk's is the same) and the audio's.
    const first =
      task.task.type === 'audio' || (task.task.type === 'chunk' && task.task.index === 0);
    const { parts, published } = await uploadPart(
      deps.storage,
      dir.outDir,
      {
        part: childOf(work, `${name}/`),
        output,
        publishInit: first,
        ...(live ? { isPublished: live.isPublished } : {}),
      },
      signal,
    );
    log.info({ task: name, parts, published, encodeMs }, 'part uploaded');
  } finally {
    await dir.remove().catch((err: unknown) => log.warn({ err }, 'work directory not removed'));
  }
}

/**
 * A chunk's or the audio's failure, by the same retry decision as a job's: retried with a
 * delay (the job's retries count it), or, when no attempt can pass or this was the last, the
 * job FAILED once, a copy of its request in the DLQ, its parts removed.
 */
async function settleTaskFailure(
  ctx: JobContext,
  record: SplitRecord,
  task: TaskMessage,
  err: unknown,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const name = taskName(task.task);
  const info = describeError(err);
  const action = decideFailureAction(errorAction(err), message.receiveCount, settings);
  const signal = settleSignal(settings);
  if (action.kind === 'abandon') return 'abandoned';
  const final = action.kind === 'dead-letter';
  const { request } = recordedJob(record);
  if (final) {
    log.error({ err, task: name, code: info.code }, 'task failed; the job fails');
    await deps.queue.deadLetter(
      { ...message, body: jobMessageBody(request) },
      { jobId, code: info.code, message: `${name}: ${info.message}` },
      signal,
    );
  }
  const result = await deps.ledger.transition(
    jobId,
    (current) =>
      decideTaskFailed(current, {
        fanoutId: task.fanout,
        task: name,
        messageId: message.messageId,
        receiveCount: message.receiveCount,
        workerId: settings.workerId,
        now: deps.clock.now(),
        final,
        error: info,
        ...ttl(settings),
        notify: final && shouldNotify(deps, request),
      }),
    { known: record, signal },
  );
  if (final) {
    if (result.kind === 'recorded') {
      await withdrawOutputs(ctx, result.record as SplitRecord, signal);
      const removed = await deps.storage
        .removePrefix(jobWorkPrefix(settings.workUri, jobId), signal)
        .catch((e: unknown) => {
          log.warn({ err: e }, 'parts of the failed job not removed');
          return 0;
        });
      log.info({ removed }, 'parts of the failed job removed');
      await deliverEvents(ctx, result.record);
    }
    await deps.queue.ack(message.receiptHandle, signal);
    return action.crash ? 'crashed' : 'dead-lettered';
  }
  if (action.kind !== 'retry') return 'abandoned';
  log.warn(
    { err, task: name, code: info.code, delaySeconds: action.delaySeconds },
    action.outcome === 'interrupted'
      ? 'task interrupted; message released'
      : 'task failed; retry scheduled',
  );
  await deps.queue.changeVisibility(message.receiptHandle, action.delaySeconds, signal);
  return 'retry-scheduled';
}
