import type { Logger } from 'pino';
import type { Decision, Delivery, JobRecord } from '../ledger/job-record.ts';
import type { TranscodeInput, TranscodeResult } from '../transcode/transcoder.ts';
import type { JobEvent } from './job-event.ts';
import type { S3Location } from './s3-uri.ts';

/**
 * What the job use case needs from the outside world. The adapters in queue/, storage/,
 * ledger/ and transcode/ implement these; nothing here knows about AWS types.
 */
export interface ReceivedMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** ApproximateReceiveCount: 1 on the first delivery. */
  readonly receiveCount: number;
  readonly sentAt?: number;
  /** String message attributes. */
  readonly attributes: Readonly<Record<string, string>>;
  /** Every attribute as received, passed through to the dead-letter copy. */
  readonly rawAttributes: Readonly<Record<string, unknown>>;
}

export interface DeadLetterReason {
  readonly jobId: string;
  readonly code: string;
  readonly message: string;
}

/** Message attributes the worker adds to what it sends to the dead-letter queue. */
export const DLQ_ATTRIBUTES = {
  jobId: 'transcoder.job-id',
  reason: 'transcoder.reason',
  code: 'transcoder.error-code',
  sourceMessageId: 'transcoder.source-message-id',
  receiveCount: 'transcoder.receive-count',
  failedAt: 'transcoder.failed-at',
} as const;

export interface QueuePort {
  receiveOne(options: {
    waitSeconds: number;
    visibilitySeconds: number;
    signal?: AbortSignal;
  }): Promise<ReceivedMessage | undefined>;
  changeVisibility(receiptHandle: string, seconds: number, signal?: AbortSignal): Promise<void>;
  ack(receiptHandle: string, signal?: AbortSignal): Promise<void>;
  deadLetter(
    message: ReceivedMessage,
    reason: DeadLetterReason,
    signal?: AbortSignal,
  ): Promise<void>;
}

export interface UploadItem {
  readonly path: string;
  readonly location: S3Location;
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface StoragePort {
  head(location: S3Location, signal?: AbortSignal): Promise<{ size: number; etag?: string }>;
  download(
    location: S3Location,
    destination: string,
    expected: { size: number; etag?: string },
    signal?: AbortSignal,
  ): Promise<number>;
  uploadAll(items: readonly UploadItem[], signal?: AbortSignal): Promise<void>;
}

export const UNKNOWN_RECORD = Symbol.for('keda-transcoder.unknown-record');

export interface LedgerPort {
  get(jobId: string, signal?: AbortSignal): Promise<JobRecord | undefined>;
  transition<R>(
    jobId: string,
    decide: (current: JobRecord | undefined) => Decision<R>,
    options: { known: JobRecord | undefined | typeof UNKNOWN_RECORD; signal?: AbortSignal },
  ): Promise<R>;
}

export interface TranscoderPort {
  transcode(input: TranscodeInput): Promise<TranscodeResult>;
}

export interface Clock {
  now(): number;
}

/**
 * Where a finished job's event goes: the deployment's SNS topic and EventBridge bus, and the
 * webhook a message names. Each destination is tried with its own retries; the outcome of
 * each is returned, never thrown: an event that cannot be delivered never fails the job.
 */
export interface NotifierPort {
  /** Whether any destination is configured besides webhooks (which the message names). */
  readonly hasTargets: boolean;
  deliver(event: JobEvent, webhook: string | undefined, signal?: AbortSignal): Promise<Delivery[]>;
}

export interface WorkerDeps {
  readonly queue: QueuePort;
  readonly storage: StoragePort;
  readonly ledger: LedgerPort;
  readonly transcoder: TranscoderPort;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Absent: nothing hears about finished jobs (and webhooks in messages are not called). */
  readonly notifier?: NotifierPort;
}
