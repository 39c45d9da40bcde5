import { LeaseLostError } from '../base/errors.ts';
import { childOf, formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { taskBody, taskName, type TaskSpec } from '../contract/task.ts';
import { decideDispatched, decidePlanned } from '../record/fanout.ts';
import { settleSignal, type JobContext, type MessageOutcome } from './base/context.ts';
import type { RecordHolder } from './base/heartbeat.ts';
import { PART, type SplitPlan } from './base/split-work.ts';

/**
 * Hands a long source to many Jobs. The plan goes to the job's work prefix, then into the
 * record (while this worker still holds the job's lease), then one message per chunk and one
 * for the audio go on the queue, and only then does the record let go of the lease and the
 * job's own message get deleted. A worker that dies before the last step leaves the message to
 * come back: its next attempt plans again under a new id, and the earlier plan's messages are
 * dropped as stale when they arrive.
 */
export async function splitJob(
  ctx: JobContext,
  holder: RecordHolder,
  { plan, work }: { readonly plan: SplitPlan; readonly work: S3Location },
  signal: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const fanoutId = holder.record.attempts;
  await deps.storage.putText(
    childOf(work, PART.plan),
    JSON.stringify(plan),
    'application/json',
    signal,
  );
  // The audio first, then the chunks in order: the growing playlists start with the audio and
  // the first chunk (publish.ts), so those are the messages taken first.
  const tasks: TaskSpec[] = [
    { type: 'audio' },
    ...plan.chunks.chunks.map((c): TaskSpec => ({ type: 'chunk', index: c.index })),
  ];
  const own = { workerId: settings.workerId };
  const planned = await deps.ledger.transition(
    jobId,
    (current) =>
      decidePlanned(current, {
        ...own,
        now: deps.clock.now(),
        fanout: {
          id: fanoutId,
          work: formatS3Uri(work),
          chunks: plan.chunks.chunks.length,
          tasks: tasks.map(taskName),
        },
      }),
    { known: holder.record, signal },
  );
  if (planned.kind === 'lease-lost') throw new LeaseLostError('another worker took over the job');
  holder.record = planned.record;

  await deps.queue.sendAll(
    tasks.map((t) => taskBody(jobId, fanoutId, t)),
    signal,
  );
  const dispatched = await deps.ledger.transition(
    jobId,
    (current) => decideDispatched(current, { ...own, now: deps.clock.now() }),
    { known: holder.record, signal },
  );
  if (dispatched.kind === 'lease-lost') {
    throw new LeaseLostError('another worker took over the job');
  }
  holder.record = dispatched.record;
  log.info(
    { fanout: fanoutId, chunks: plan.chunks.chunks.length, work: formatS3Uri(work) },
    'job split; its tasks are on the queue',
  );
  try {
    await deps.queue.ack(message.receiptHandle, settleSignal(settings));
  } catch (err) {
    log.warn({ err }, 'message not deleted; its redelivery will find the job split');
  }
  return 'split';
}
