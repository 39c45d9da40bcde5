import type { Logger } from 'pino';
import { decideNotified, type JobRecord } from '../../record/job-record.ts';
import { buildJobEvent } from '../../record/job-event.ts';
import { type JobContext } from './context.ts';
import type { WorkerDeps } from './ports.ts';

/** How long the message stays hidden while a finished job's events are delivered. */
const DELIVERY_BUDGET_SECONDS = 120;

/**
 * Whether a terminal state of this job must publish events: the deployment has destinations,
 * or the job names a webhook.
 */
export function shouldNotify(deps: Pick<WorkerDeps, 'notifier'>, request: unknown): boolean {
  return (
    deps.notifier !== undefined && (deps.notifier.hasTargets || webhookOf(request) !== undefined)
  );
}

/**
 * Delivers a finished job's pending events and records what became of each destination. The
 * job's outcome is already recorded and stands whatever happens here; the message is kept
 * hidden meanwhile, so a worker that dies mid-way leaves the events pending for its redelivery
 * (at least once), and nothing here throws.
 */
export async function deliverPendingEvents(
  deps: WorkerDeps,
  settings: { readonly eventsSource: string },
  record: JobRecord,
  log: Logger,
  options: { readonly receiptHandle?: string; readonly signal?: AbortSignal } = {},
): Promise<void> {
  const notifier = deps.notifier;
  const pending = record.notifications;
  if (!notifier || pending?.state !== 'pending') return;
  if (options.receiptHandle) {
    await deps.queue
      .changeVisibility(options.receiptHandle, DELIVERY_BUDGET_SECONDS, options.signal)
      .catch((err: unknown) => log.warn({ err }, 'message visibility not extended for delivery'));
  }
  const event = buildJobEvent(record, settings.eventsSource);
  const deliveries = await notifier.deliver(event, webhookOf(record.request), options.signal);
  for (const d of deliveries) {
    if (d.ok)
      log.info({ target: d.target, attempts: d.attempts, eventId: event.id }, 'event delivered');
    else
      log.warn(
        { target: d.target, attempts: d.attempts, eventId: event.id, reason: d.error },
        'event not delivered',
      );
  }
  try {
    await deps.ledger.transition(
      record.jobId,
      (current) =>
        decideNotified(current, { eventId: pending.eventId, deliveries, now: deps.clock.now() }),
      { known: record, ...(options.signal ? { signal: options.signal } : {}) },
    );
  } catch (err) {
    log.warn({ err }, 'event deliveries not recorded; the record still says pending');
  }
}

/** The webhook a job's request names, if any. */
export function webhookOf(request: unknown): string | undefined {
  if (typeof request !== 'object' || request === null || !('webhook' in request)) return undefined;
  const url = (request as { webhook?: unknown }).webhook;
  return typeof url === 'string' ? url : undefined;
}

/** Events get at most this long after a job ends (the message is hidden for longer meanwhile). */
const DELIVERY_TIMEOUT_MS = 100_000;

/**
 * A finished job's events (notify.ts), within a bounded time that a shutdown cuts short: then
 * they stay pending, and the message's redelivery sends them.
 */
export async function deliverEvents(
  ctx: JobContext,
  record: JobRecord,
  shutdown?: AbortSignal,
): Promise<void> {
  const signal = AbortSignal.any([
    AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    ...(shutdown ? [shutdown] : []),
  ]);
  await deliverPendingEvents(ctx.deps, ctx.settings, record, ctx.log, {
    receiptHandle: ctx.message.receiptHandle,
    signal,
  });
}
