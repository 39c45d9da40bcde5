import type { JobRequest } from '../contract/message.ts';
import { formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { decideClaim, type JobRecord } from '../record/job-record.ts';
import { leaseMs, settleSignal, type JobContext, type MessageOutcome } from './base/context.ts';
import { deliverEvents } from './base/notify.ts';
import { settleFailure } from './settle-failure.ts';

/** The claim's result: the job is this worker's now, or the message is already settled. */
export type Claimed =
  | { readonly kind: 'claimed'; readonly record: JobRecord }
  | { readonly kind: 'settled'; readonly outcome: MessageOutcome };

/**
 * Takes the job's lease with one conditional write. A job that already succeeded (a duplicate
 * delivery) or whose very message already failed is settled here: its message deleted, its
 * pending events sent. A job another worker holds a live lease on is left alone.
 */
export async function claimJob(
  ctx: JobContext,
  request: JobRequest,
  output: S3Location,
  shutdown: AbortSignal,
): Promise<Claimed> {
  const { deps, settings, message, jobId, log } = ctx;
  let claim;
  try {
    claim = await deps.ledger.transition(
      jobId,
      (current) =>
        decideClaim(current, {
          jobId,
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          workerId: settings.workerId,
          now: deps.clock.now(),
          leaseMs: leaseMs(settings),
          input: formatS3Uri(request.input),
          output: formatS3Uri(output),
          request,
        }),
      // Most messages start a new job: try the create first, learn otherwise from ALL_OLD.
      { known: undefined, signal: shutdown },
    );
  } catch (err) {
    const cause: unknown = shutdown.aborted ? shutdown.reason : err;
    log.warn({ err: cause }, 'claim failed');
    return { kind: 'settled', outcome: await settleFailure(ctx, cause, undefined) };
  }

  switch (claim.kind) {
    case 'duplicate':
      log.info('duplicate delivery of a finished job; deleting the message');
      // Its worker may have died before the events went out.
      await deliverEvents(ctx, claim.record, shutdown);
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return { kind: 'settled', outcome: 'duplicate' };
    case 'already-failed':
      // This very message already failed and was copied to the DLQ; only the delete was lost.
      log.info('redelivery of a message that already failed; deleting it');
      await deliverEvents(ctx, claim.record, shutdown);
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return { kind: 'settled', outcome: 'dead-lettered' };
    case 'split':
      log.info('redelivery of a job already split across Jobs; deleting it');
      await deps.queue.ack(message.receiptHandle, settleSignal(settings));
      return { kind: 'settled', outcome: 'split' };
    case 'busy':
      log.info(
        { leaseOwner: claim.record.lease?.owner },
        'job is running elsewhere; leaving the message',
      );
      return { kind: 'settled', outcome: 'busy' };
    case 'claimed':
      return { kind: 'claimed', record: claim.record };
  }
}
