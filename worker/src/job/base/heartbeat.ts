import type { Logger } from 'pino';
import { decideHeartbeat, type JobProgress, type JobRecord } from '../../record/job-record.ts';
import type { Clock } from '../../base/time.ts';
import type { LedgerPort, QueuePort } from './ports.ts';

export interface Heartbeat {
  /** Stops beating and waits for a beat in flight, so the caller can write the record next. */
  stop(): Promise<void>;
}

/** The record the job holds; the heartbeat and the final transition both read and replace it. */
export interface RecordHolder {
  record: JobRecord;
}

/**
 * While a job runs, every `periodSeconds`: push the message's visibility out to
 * `visibilitySeconds` from now, and renew the lease (with the latest progress) in the ledger.
 * A beat is scheduled only after the previous one ended, so beats never overlap. When the
 * ledger says another worker holds the job, `onLeaseLost` stops the job.
 */
export function startHeartbeat(options: {
  queue: QueuePort;
  ledger: LedgerPort;
  clock: Clock;
  logger: Logger;
  receiptHandle: string;
  holder: RecordHolder;
  workerId: string;
  periodSeconds: number;
  visibilitySeconds: number;
  leaseMs: number;
  progress: () => JobProgress | undefined;
  onLeaseLost: () => void;
}): Heartbeat {
  const { queue, ledger, clock, logger, holder } = options;
  return beatEvery(options.periodSeconds, async () => {
    const now = clock.now();
    const progress = options.progress();
    const [visibility, lease] = await Promise.allSettled([
      queue.changeVisibility(options.receiptHandle, options.visibilitySeconds),
      ledger.transition(
        holder.record.jobId,
        (current) =>
          decideHeartbeat(current, {
            workerId: options.workerId,
            now,
            leaseMs: options.leaseMs,
            ...(progress ? { progress } : {}),
          }),
        { known: holder.record },
      ),
    ]);
    if (visibility.status === 'rejected') {
      logger.warn({ err: visibility.reason as unknown }, 'visibility not extended');
    }
    if (lease.status === 'rejected') {
      logger.warn({ err: lease.reason as unknown }, 'lease not renewed');
    } else if (lease.value.kind === 'lease-lost') {
      logger.warn('lease lost to another worker; stopping this attempt');
      options.onLeaseLost();
      return false;
    } else {
      holder.record = lease.value.record;
    }
    return true;
  });
}

/**
 * A split job's chunk or audio task: it holds no lease (the record counts tasks, not owners),
 * so its heartbeat only keeps its message hidden; a worker that dies lets the message come back.
 */
export function startVisibilityHeartbeat(options: {
  queue: QueuePort;
  logger: Logger;
  receiptHandle: string;
  periodSeconds: number;
  visibilitySeconds: number;
}): Heartbeat {
  return beatEvery(options.periodSeconds, () =>
    options.queue
      .changeVisibility(options.receiptHandle, options.visibilitySeconds)
      .then(() => true)
      .catch((err: unknown) => {
        options.logger.warn({ err }, 'visibility not extended');
        return true;
      }),
  );
}

/**
 * Calls `beat` every `periodSeconds`, each call scheduled only after the previous one ended
 * (beats never overlap), until `stop()` or a beat that returns false.
 */
function beatEvery(periodSeconds: number, beat: () => Promise<boolean>): Heartbeat {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> = Promise.resolve();
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      inflight = beat()
        .then((goOn) => {
          if (!goOn) stopped = true;
        })
        .finally(schedule);
    }, periodSeconds * 1000);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inflight;
    },
  };
}
