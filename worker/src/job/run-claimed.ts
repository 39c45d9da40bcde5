import { LeaseLostError } from '../base/errors.ts';
import type { JobRequest } from '../contract/message.ts';
import { formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { decideSuccess, type JobProgress, type JobRecord } from '../record/job-record.ts';
import {
  leaseMs,
  settleSignal,
  ttl,
  type JobContext,
  type MessageOutcome,
} from './base/context.ts';
import { startHeartbeat, type RecordHolder } from './base/heartbeat.ts';
import { deliverEvents, shouldNotify } from './base/notify.ts';
import { runJob } from './run-job.ts';
import { settleFailure } from './settle-failure.ts';
import { finishSplit, splitDispatcher } from './split.ts';
import { fanoutPrefix } from './base/split-work.ts';
import type { JobResultSummary } from './base/summary.ts';

/** Progress is logged every 10 points or 30 s, whichever comes first. */
const PROGRESS_LOG = { percent: 10, ms: 30_000 } as const;

/**
 * Runs a claimed job under a heartbeat (which keeps the message hidden and the lease alive,
 * and aborts the run if another worker took the lease), then records SUCCEEDED, sends the
 * events and deletes the message, or hands the error to settleFailure.
 */
export async function runClaimed(
  ctx: JobContext,
  request: JobRequest,
  output: S3Location,
  claimed: JobRecord,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, log } = ctx;
  log.info({ attempt: claimed.attempts, input: formatS3Uri(request.input) }, 'job claimed');
  const holder: RecordHolder = { record: claimed };
  const leaseLost = new AbortController();
  const signal = AbortSignal.any([shutdown, leaseLost.signal]);
  let latest: JobProgress | undefined;
  let lastLogged = { percent: -100, at: 0 };
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
    // Once split, the record's progress counts the tasks (record/fanout.ts), not the planner's.
    progress: () => (holder.record.fanout ? undefined : latest),
    onLeaseLost: () => leaseLost.abort(new LeaseLostError('another worker took over the job')),
  });

  try {
    // Where a split's parts go: its id is this attempt's number.
    const work = fanoutPrefix(settings.workUri, ctx.jobId, claimed.attempts);
    const dispatcher = splitDispatcher(ctx, holder, work, signal);
    const outcome = await runJob(ctx, request, { output, work, dispatcher }, signal, (p) => {
      latest = p;
      if (p.stage !== 'transcoding') return;
      const now = deps.clock.now();
      if (
        p.percent - lastLogged.percent >= PROGRESS_LOG.percent ||
        now - lastLogged.at >= PROGRESS_LOG.ms
      ) {
        lastLogged = { percent: p.percent, at: now };
        log.info({ percent: p.percent, speed: p.speed }, 'transcode progress');
      }
    });
    await heartbeat.stop();
    if (outcome.kind === 'split')
      return await finishSplit(ctx, holder, { plan: outcome.plan, work }, signal);
    return await recordSuccess(ctx, request, holder, outcome.summary, shutdown);
  } catch (err) {
    await heartbeat.stop();
    const cause: unknown = signal.aborted ? signal.reason : err;
    return settleFailure(ctx, cause, holder);
  }
}

/** SUCCEEDED in the record (if the lease is still ours), the events, the message deleted. */
export async function recordSuccess(
  ctx: JobContext,
  request: JobRequest,
  holder: RecordHolder,
  summary: JobResultSummary,
  shutdown: AbortSignal,
): Promise<MessageOutcome> {
  const { deps, settings, message, jobId, log } = ctx;
  const done = await deps.ledger.transition(
    jobId,
    (current) =>
      decideSuccess(current, {
        workerId: settings.workerId,
        now: deps.clock.now(),
        result: summary,
        ...ttl(settings),
        notify: shouldNotify(deps, request),
      }),
    { known: holder.record, signal: settleSignal(settings) },
  );
  if (done.kind === 'lease-lost') {
    log.warn('finished, but another worker owns the job now; leaving the record and message to it');
    return 'abandoned';
  }
  log.info(
    { output: summary.output, renditions: summary.renditions.length, timings: summary.timings },
    'job succeeded',
  );
  await deliverEvents(ctx, done.record, shutdown);
  try {
    await deps.queue.ack(message.receiptHandle, settleSignal(settings));
  } catch (err) {
    log.warn({ err }, 'message not deleted; its redelivery will be seen as a duplicate');
  }
  return 'succeeded';
}
