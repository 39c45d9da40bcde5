import type { Logger } from 'pino';
import type { Config } from '../../config/config.ts';
import type { ReceivedMessage, WorkerDeps } from './ports.ts';

export type JobSettings = Pick<
  Config,
  | 'output'
  | 'maxReceiveCount'
  | 'retryDelaySeconds'
  | 'retryDelayMaxSeconds'
  | 'visibilityTimeoutSeconds'
  | 'heartbeatSeconds'
  | 'shutdownGraceSeconds'
  | 'workDir'
  | 'workerId'
  | 'maxMessageBytes'
  | 'maxInputBytes'
  | 'outputSizeFactor'
  | 'recordTtlSeconds'
  | 'eventsSource'
  | 'split'
  | 'workUri'
>;

/** How one message ended. Every one of these leaves the message in a defined place. */
export type MessageOutcome =
  | 'succeeded' // recorded SUCCEEDED, message deleted
  | 'duplicate' // the job had already succeeded: message deleted, nothing redone
  | 'busy' // another worker holds a live lease: message left alone
  | 'retry-scheduled' // attempt recorded, message visible again after the backoff delay
  | 'dead-lettered' // recorded FAILED, message copied to the DLQ and deleted
  | 'split' // a long source split across many Jobs: its tasks are on the queue, message deleted
  | 'abandoned' // another worker took the job over mid-way: nothing touched
  | 'crashed'; // an error outside the model (a bug, a broken image): FAILED as INTERNAL, DLQ, deleted

/** What every step of one message's handling works with. */
export interface JobContext {
  readonly deps: WorkerDeps;
  readonly settings: JobSettings;
  readonly message: ReceivedMessage;
  readonly jobId: string;
  readonly log: Logger;
}

/** Lease shorter than the visibility timeout, so a redelivered message finds it expired. */
export function leaseMs(settings: Pick<JobSettings, 'visibilityTimeoutSeconds'>): number {
  const visibility = settings.visibilityTimeoutSeconds * 1000;
  return visibility - Math.min(5000, Math.floor(visibility / 10));
}

export function ttl(settings: Pick<JobSettings, 'recordTtlSeconds'>): { ttlSeconds?: number } {
  return settings.recordTtlSeconds === undefined ? {} : { ttlSeconds: settings.recordTtlSeconds };
}

/** SDK calls that settle the message run after a shutdown too, bounded by the grace period. */
export function settleSignal(settings: Pick<JobSettings, 'shutdownGraceSeconds'>): AbortSignal {
  return AbortSignal.timeout(Math.max(1000, (settings.shutdownGraceSeconds - 2) * 1000));
}
