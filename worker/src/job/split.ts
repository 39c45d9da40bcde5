import { LeaseLostError } from '../base/errors.ts';
import { childOf, formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { taskBody, taskName, type TaskSpec } from '../contract/task.ts';
import { decideDispatched, decidePlanned } from '../record/fanout.ts';
import { settleSignal, type JobContext, type MessageOutcome } from './base/context.ts';
import type { RecordHolder } from './base/heartbeat.ts';
import { PART, type SplitPlan } from './base/split-work.ts';

/**
 * Hands a long source to many Jobs, as the planner goes (run-job.ts): the plan goes into the
 * record (while this worker still holds the job's lease) with every task it will have; then, as
 * each piece of the source is cut, the plan as it stands goes to the job's work prefix and the
 * task whose piece it is goes on the queue: the first chunk's at once, then the audio's, then
 * each next chunk's. Only when all are sent does the record let go of the lease and the job's own
 * message get deleted (`finishSplit`). A worker that dies before the last step leaves the
 * message to come back: its next attempt plans again under a new id, and the earlier plan's
 * messages are dropped as stale when they arrive.
 */
export interface SplitDispatcher {
  /** The plan recorded: its chunks and every task, before any is sent. */
  readonly plan: (plan: SplitPlan) => Promise<void>;
  /** The plan as it stands (the pieces cut so far) written, then these tasks' messages sent. */
  readonly send: (plan: SplitPlan, tasks: readonly TaskSpec[]) => Promise<void>;
}

export function splitDispatcher(
  ctx: JobContext,
  holder: RecordHolder,
  work: S3Location,
  signal: AbortSignal,
): SplitDispatcher {
  const { deps, settings, jobId } = ctx;
  const fanoutId = holder.record.attempts;
  return {
    plan: async (plan) => {
      const planned = await deps.ledger.transition(
        jobId,
        (current) =>
          decidePlanned(current, {
            workerId: settings.workerId,
            now: deps.clock.now(),
            fanout: {
              id: fanoutId,
              work: formatS3Uri(work),
              chunks: plan.chunks.chunks.length,
              tasks: splitTasks(plan).map(taskName),
            },
          }),
        { known: holder.record, signal },
      );
      if (planned.kind === 'lease-lost') {
        throw new LeaseLostError('another worker took over the job');
      }
      holder.record = planned.record;
    },
    send: async (plan, tasks) => {
      await deps.storage.putText(
        childOf(work, PART.plan),
        JSON.stringify(plan),
        'application/json',
        signal,
      );
      await deps.queue.sendAll(
        tasks.map((t) => taskBody(jobId, fanoutId, t)),
        signal,
      );
    },
  };
}

/**
 * Every task of a split: the first chunk, the audio, then the other chunks in order. The
 * growing playlists start with the first chunk and the audio's first segments (publish.ts), so
 * those are the messages taken first, the first chunk's before the audio's, which publishes as
 * it encodes and, with few pods free, would otherwise hold the first chunk back.
 */
export function splitTasks(plan: Pick<SplitPlan, 'chunks'>): TaskSpec[] {
  const chunks = plan.chunks.chunks.map((c): TaskSpec => ({ type: 'chunk', index: c.index }));
  return [...chunks.slice(0, 1), { type: 'audio' }, ...chunks.slice(1)];
}

/** Every task is on the queue: the record lets go of the lease, the job's message is deleted. */
export async function finishSplit(
  ctx: JobContext,
  holder: RecordHolder,
  { plan, work }: { readonly plan: SplitPlan; readonly work: S3Location },
  signal: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const dispatched = await deps.ledger.transition(
    jobId,
    (current) => decideDispatched(current, { workerId: settings.workerId, now: deps.clock.now() }),
    { known: holder.record, signal },
  );
  if (dispatched.kind === 'lease-lost') {
    throw new LeaseLostError('another worker took over the job');
  }
  holder.record = dispatched.record;
  log.info(
    { fanout: holder.record.attempts, chunks: plan.chunks.chunks.length, work: formatS3Uri(work) },
    'job split; its tasks are on the queue',
  );
  try {
    await deps.queue.ack(message.receiptHandle, settleSignal(settings));
  } catch (err) {
    log.warn({ err }, 'message not deleted; its redelivery will find the job split');
  }
  return 'split';
}
