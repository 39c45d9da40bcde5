import { describeError, errorAction } from '../base/errors.ts';
import { decideFailure } from '../record/job-record.ts';
import { settleSignal, ttl, type JobContext, type MessageOutcome } from './base/context.ts';
import type { RecordHolder } from './base/heartbeat.ts';
import { deliverEvents, shouldNotify } from './base/notify.ts';
import { decideFailureAction } from './base/retry-policy.ts';

/**
 * Records the failed attempt and puts the message where the retry decision says. A split job's
 * stitch passes `split`: its dead-letter copy is the job's request (a redrive runs the job
 * again) and its parts are removed once the job is FAILED.
 */
export async function settleFailure(
  ctx: JobContext,
  err: unknown,
  holder: RecordHolder | undefined,
  split?: { readonly deadLetterBody: string; readonly cleanUp: () => Promise<void> },
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const info = describeError(err);
  const action = decideFailureAction(errorAction(err), message.receiveCount, settings);
  const signal = settleSignal(settings);
  if (action.kind === 'abandon') {
    log.warn({ err }, 'attempt abandoned');
    return 'abandoned';
  }
  const record = async (final: boolean, outcome: 'retry' | 'failed' | 'interrupted') => {
    if (!holder) return false;
    try {
      const result = await deps.ledger.transition(
        jobId,
        (current) =>
          decideFailure(current, {
            workerId: settings.workerId,
            now: deps.clock.now(),
            final,
            outcome,
            error: info,
            ...ttl(settings),
            notify: final && shouldNotify(deps, holder.record.request),
          }),
        { known: holder.record, signal },
      );
      if (result.kind === 'ok') holder.record = result.record;
      return result.kind === 'ok';
    } catch (recordErr) {
      log.error({ err: recordErr }, 'failed attempt not recorded in the ledger');
      return false;
    }
  };

  if (action.kind === 'dead-letter') {
    if (action.crash) {
      log.fatal(
        { err, code: info.code, reason: info.message },
        'unexpected error (a bug or a broken image): job failed, message kept in the DLQ',
      );
    } else {
      log.error({ err, code: info.code, reason: info.message }, 'job failed');
    }
    // DLQ first: once the copy exists the record may say FAILED, and a lost delete is harmless.
    await deps.queue.deadLetter(
      split ? { ...message, body: split.deadLetterBody } : message,
      { jobId, code: info.code, message: info.message },
      signal,
    );
    const recorded = await record(true, 'failed');
    if (recorded && split) await split.cleanUp();
    if (recorded && holder) await deliverEvents(ctx, holder.record);
    await deps.queue.ack(message.receiptHandle, signal);
    return action.crash ? 'crashed' : 'dead-lettered';
  }

  const recorded = await record(false, action.outcome);
  let delay = action.delaySeconds;
  const lease = holder?.record.lease;
  if (!recorded && lease) {
    // The record still shows our lease: come back only once it has run out.
    delay = Math.max(delay, Math.ceil((lease.expiresAt - deps.clock.now()) / 1000));
  }
  log.warn(
    { err, code: info.code, delaySeconds: delay },
    action.outcome === 'interrupted'
      ? 'job interrupted; message released'
      : 'attempt failed; retry scheduled',
  );
  await deps.queue.changeVisibility(message.receiptHandle, delay, signal);
  return 'retry-scheduled';
}
