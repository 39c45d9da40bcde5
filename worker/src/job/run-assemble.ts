import { join } from 'node:path';
import { LeaseLostError } from '../base/errors.ts';
import { jobMessageBody } from '../contract/message.ts';
import { childOf, type S3Location } from '../contract/s3-uri.ts';
import type { TaskMessage } from '../contract/task.ts';
import { decideAssembleClaim } from '../record/fanout.ts';
import type { Fanout, JobRecord } from '../record/job-record.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import type { AudioOutcome } from '../transcode/audio.ts';
import {
  isInitSegment,
  isPublishedSegment,
  type PublishedTrack,
} from '../transcode/progressive/tracks.ts';
import { leaseMs, settleSignal, type JobContext, type MessageOutcome } from './base/context.ts';
import { startHeartbeat, type RecordHolder } from './base/heartbeat.ts';
import { deliverEvents } from './base/notify.ts';
import { deliverPlayable, endPublication, withdrawOutputs } from './publish.ts';
import { recordSuccess } from './run-claimed.ts';
import { publishOutputs } from './run-job.ts';
import { settleFailure } from './settle-failure.ts';
import {
  downloadPrefix,
  downloadPublished,
  downloadSource,
  jobWorkPrefix,
  PART,
  readPlan,
  recordedJob,
} from './base/split-work.ts';
import { summarize, type JobResultSummary } from './base/summary.ts';
import { createWorkDir } from './base/work-dir.ts';

/**
 * The stitch of a split job, once every part is done: the job's lease taken as a claim takes it
 * (so a second stitch message finds it busy, and a stitcher that dies is followed by the next
 * delivery), the parts downloaded and joined by stream copy (Transcoder.assemble), the outputs
 * published, SUCCEEDED recorded, the parts removed. A stitch that cannot pass fails the job
 * like any attempt, with the job's request as the dead-letter copy.
 */
export async function runAssemble(
  ctx: JobContext,
  task: TaskMessage,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const cleanUp = () => removeParts(ctx);
  const claim = await deps.ledger.transition(
    jobId,
    (current) =>
      decideAssembleClaim(current, {
        fanoutId: task.fanout,
        messageId: message.messageId,
        receiveCount: message.receiveCount,
        workerId: settings.workerId,
        now: deps.clock.now(),
        leaseMs: leaseMs(settings),
      }),
    { known: UNKNOWN_RECORD, signal: shutdown },
  );
  switch (claim.kind) {
    case 'stale':
      log.info('stitch message of an ended or unfinished split; dropping it');
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return 'duplicate';
    case 'busy':
      log.info(
        { leaseOwner: claim.record.lease?.owner },
        'stitch running elsewhere; leaving the message',
      );
      return 'busy';
    case 'duplicate':
      log.info('stitch message of a finished job; deleting it');
      await deliverEvents(ctx, claim.record, shutdown);
      await cleanUp();
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return 'duplicate';
    case 'claimed':
      break;
  }

  const record = claim.record as JobRecord & { fanout: Fanout };
  const { request, output, work } = recordedJob(record);
  log.info({ attempt: record.attempts, chunks: record.fanout.chunks }, 'stitch claimed');
  // A PLAYABLE event its publisher did not get out goes before the job's end.
  await deliverPlayable(ctx, record, shutdown);
  const holder: RecordHolder = { record };
  const leaseLost = new AbortController();
  const signal = AbortSignal.any([shutdown, leaseLost.signal]);
  const heartbeat = startHeartbeat({
    queue: deps.queue,
    ledger: deps.ledger,
    clock: deps.clock,
    logger: log,
    receiptHandle: message.receiptHandle,
    holder,
    workerId: settings.workerId,
    periodSeconds: settings.heartbeatSeconds,
    visibilitySeconds: settings.visibilityTimeoutSeconds,
    leaseMs: leaseMs(settings),
    progress: () => undefined,
    onLeaseLost: () => leaseLost.abort(new LeaseLostError('another worker took over the stitch')),
  });
  try {
    const summary = await stitch(ctx, record, request, output, work, signal);
    await heartbeat.stop();
    const outcome = await recordSuccess(ctx, request, holder, summary, shutdown);
    if (outcome === 'succeeded') await cleanUp();
    return outcome;
  } catch (err) {
    await heartbeat.stop();
    const cause: unknown = signal.aborted ? signal.reason : err;
    return settleFailure(ctx, cause, holder, {
      deadLetterBody: jobMessageBody(request),
      cleanUp: async () => {
        await withdrawOutputs(ctx, record, settleSignal(settings));
        await cleanUp();
      },
    });
  }
}

async function stitch(
  ctx: JobContext,
  record: JobRecord & { fanout: Fanout },
  request: ReturnType<typeof recordedJob>['request'],
  output: S3Location,
  work: S3Location,
  signal: AbortSignal,
): Promise<JobResultSummary> {
  const { deps, settings, jobId, log } = ctx;
  const { fanout } = record;
  const dir = await createWorkDir(settings.workDir, `${jobId}.assemble`);
  try {
    let t = deps.clock.now();
    const plan = await readPlan(deps.storage, work, signal);
    // Only for subtitle tracks or a fallback poster: the stitch needs no other part of it.
    let sourcePath: Promise<string> | undefined;
    const source = () =>
      (sourcePath ??= downloadSource(deps.storage, settings, request.input, plan, dir, signal));
    const parts = join(dir.root, 'parts');
    const chunkDirs: string[] = [];
    // Each part: what it kept in the work prefix, and the segments it published.
    for (let i = 0; i < fanout.chunks; i++) {
      const chunkDir = join(parts, `chunk-${i}`);
      await downloadPrefix(deps.storage, childOf(work, `chunk-${i}/`), chunkDir, signal);
      const tracks = JSON.parse(
        await deps.storage.getText(childOf(work, PART.chunkTracks(i)), signal),
      ) as PublishedTrack[];
      await downloadPublished(deps.storage, output, chunkDir, tracks, signal);
      chunkDirs.push(chunkDir);
    }
    const audioDir = join(parts, 'audio');
    await downloadPrefix(deps.storage, childOf(work, 'audio/'), audioDir, signal);
    const audio = JSON.parse(
      await deps.storage.getText(childOf(work, PART.audioOutcome), signal),
    ) as AudioOutcome;
    await downloadPublished(deps.storage, output, audioDir, audio.hls ?? [], signal);
    const downloadMs = deps.clock.now() - t;
    log.info({ chunks: chunkDirs.length, ms: downloadMs }, 'parts downloaded');

    t = deps.clock.now();
    const result = await deps.transcoder.assemble({
      sourcePath: source,
      outDir: dir.outDir,
      request,
      signal,
      probed: plan.probed,
      chunkDirs,
      audioDir,
      audio,
    });
    const transcodeMs = deps.clock.now() - t;
    log.info({ renditions: result.renditions.map((r) => r.name), ms: transcodeMs }, 'stitched');

    t = deps.clock.now();
    // No growing playlist after the final ones; the segments and inits are published already.
    await endPublication(ctx, record, 'succeeded', signal);
    const published = (key: string) => isPublishedSegment(key) || isInitSegment(key);
    await publishOutputs(
      deps.storage,
      result.files.filter((f) => !published(f.relativeKey)),
      output,
      signal,
    );
    const uploadMs = deps.clock.now() - t;
    log.info({ files: result.files.length, ms: uploadMs }, 'outputs uploaded');
    return {
      ...summarize(output, plan.source.bytes, result, { downloadMs, transcodeMs, uploadMs }),
      split: { chunks: fanout.chunks, chunkSeconds: plan.chunks.chunkSeconds },
    };
  } finally {
    await dir.remove().catch((err: unknown) => log.warn({ err }, 'work directory not removed'));
  }
}

/** Removes every part the job left under the work prefix (all of its plans). */
async function removeParts(ctx: JobContext): Promise<void> {
  const prefix = jobWorkPrefix(ctx.settings.workUri, ctx.jobId);
  try {
    const removed = await ctx.deps.storage.removePrefix(prefix, settleSignal(ctx.settings));
    ctx.log.info({ removed }, 'parts removed');
  } catch (err) {
    ctx.log.warn({ err }, 'parts not removed (the work prefix keeps them until they are)');
  }
}
