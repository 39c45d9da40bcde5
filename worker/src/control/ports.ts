import type { Readable } from 'node:stream';
import type { S3Location } from '../contract/s3-uri.ts';
import type { JobRecord, JobStatus, Stats } from '../record/job-record.ts';
import type { RecordStore } from '../record/store.ts';

/**
 * What the control plane's use cases need from the outside world; the adapters in ledger/,
 * queue/, scheduler/ and storage/ implement these. Nothing here knows about AWS types.
 */

/** Job records, listed and counted, and the API's idempotency keys. */
export interface JobLedgerPort extends RecordStore {
  list(
    options: { status?: JobStatus; limit: number; cursor?: string },
    signal?: AbortSignal,
  ): Promise<{ items: JobRecord[]; cursor?: string }>;
  stats(signal?: AbortSignal): Promise<Stats>;
  claimIdempotencyKey(
    key: string,
    value: { jobId: string; fingerprint: string; expiresAt: number },
    /** Epoch seconds: a key that expired before this is free again. */
    now: number,
    signal?: AbortSignal,
  ): Promise<{ kind: 'claimed' } | { kind: 'existing'; jobId: string; fingerprint: string }>;
}

export interface QueueDepth {
  /** ApproximateNumberOfMessages: waiting to be received. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: being worked on, or waiting out a retry delay. */
  readonly inFlight: number;
  readonly delayed: number;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt?: number;
}

export type RedriveMode = 'auto' | 'move-task' | 'resend';

export interface RedriveResult {
  readonly mode: 'move-task' | 'resend';
  readonly moved?: number;
  readonly taskHandle?: string;
}

/** The work queue and its dead-letter queue, as the control plane uses them. */
export interface ControlQueuePort {
  send(body: string, attributes?: Record<string, string>): Promise<string>;
  depths(): Promise<{ queue: QueueDepth; deadLetterQueue: QueueDepth }>;
  /** Reads dead letters without taking them. */
  peekDeadLetters(limit: number): Promise<DeadLetter[]>;
  /** Moves dead letters back to the work queue. */
  redrive(mode: RedriveMode, max: number): Promise<RedriveResult>;
}

export interface ScheduleSpec {
  readonly name: string;
  /** EventBridge's 6-field form, `cron(...)`. */
  readonly expression: string;
  readonly timezone: string;
  /** The SQS message body sent at each run. */
  readonly body: string;
  readonly description?: string;
}

export interface ScheduleView {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: string;
  readonly body?: string;
  readonly description?: string;
  readonly createdAt?: string;
}

export interface SchedulerPort {
  create(spec: ScheduleSpec): Promise<void>;
  list(): Promise<ScheduleView[]>;
  get(name: string): Promise<ScheduleView | undefined>;
  /** False when there was no such schedule. */
  delete(name: string): Promise<boolean>;
}

/** One object opened for reading, whole or a byte range, to stream to an HTTP client. */
export interface OpenedObject {
  readonly body: Readable;
  readonly contentType?: string;
  readonly contentLength?: number;
  /** Set when a range was asked for and served: `bytes 0-99/1234`. */
  readonly contentRange?: string;
  readonly etag?: string;
  readonly cacheControl?: string;
}

/** Opens an object of a job's outputs; undefined when it does not exist. */
export type OpenObject = (
  location: S3Location,
  range?: string,
) => Promise<OpenedObject | undefined>;

/** Where clients upload sources: presigned PUTs and multipart uploads. */
export interface UploadStore {
  presignPut(
    location: S3Location,
    options: { contentType: string; contentLength: number; expiresInSeconds: number },
  ): Promise<string>;
  /** Starts a multipart upload; returns the store's upload id. */
  createMultipart(location: S3Location, options: { contentType: string }): Promise<string>;
  presignPart(
    location: S3Location,
    uploadId: string,
    part: { partNumber: number; contentLength: number; expiresInSeconds: number },
  ): Promise<string>;
  completeMultipart(
    location: S3Location,
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
  ): Promise<void>;
  abortMultipart(location: S3Location, uploadId: string): Promise<void>;
  /** The object's size, or undefined when there is none. */
  sizeOf(location: S3Location): Promise<number | undefined>;
  remove(location: S3Location): Promise<void>;
}
