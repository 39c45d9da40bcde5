import { decideRejected } from '../record/unclaimed.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import { settleSignal, ttl, type JobContext, type MessageOutcome } from './base/context.ts';
import { deliverEvents, shouldNotify } from './base/notify.ts';

/** A body that is not a job: DLQ with the reason, FAILED in the ledger, delete. */
export async function rejectMessage(ctx: JobContext, reason: string): Promise<MessageOutcome> {
  const { deps, message, jobId, log } = ctx;
  log.warn({ reason }, 'message rejected');
  const signal = settleSignal(ctx.settings);
  await deps.queue.deadLetter(message, { jobId, code: 'INVALID_MESSAGE', message: reason }, signal);
  try {
    const result = await deps.ledger.transition(
      jobId,
      (current) =>
        decideRejected(current, {
          jobId,
          messageId: message.messageId,
          receiveCount: message.receiveCount,
          workerId: ctx.settings.workerId,
          now: deps.clock.now(),
          error: { code: 'INVALID_MESSAGE', message: reason },
          body: message.body,
          ...ttl(ctx.settings),
          notify: shouldNotify(deps, undefined),
        }),
      { known: UNKNOWN_RECORD, signal },
    );
    if (result.kind === 'recorded') await deliverEvents(ctx, result.record);
    if (result.kind === 'unchanged') {
      log.warn(
        { status: result.record.status },
        'job record left as is: a bad message cannot overwrite it',
      );
    }
  } catch (err) {
    log.error(
      { err },
      'rejected message not recorded in the ledger; the DLQ copy carries the reason',
    );
  }
  await deps.queue.ack(message.receiptHandle, signal);
  return 'dead-lettered';
}
