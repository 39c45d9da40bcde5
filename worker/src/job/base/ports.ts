import type { Logger } from 'pino';
import type { Clock } from '../../base/time.ts';
import type { DeadLetterReason } from '../../contract/dead-letter.ts';
import type { Delivery } from '../../record/job-record.ts';
import type { RecordStore } from '../../record/store.ts';

import type { Transcoder } from '../../transcode/transcoder.ts';
import type { JobEvent } from '../../record/job-event.ts';
import type { S3Location } from '../../contract/s3-uri.ts';

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

export interface QueuePort {
  receiveOne(options: {
    waitSeconds: number;
    visibilitySeconds: number;
    signal?: AbortSignal;
  }): Promise<ReceivedMessage | undefined>;
  changeVisibility(receiptHandle: string, seconds: number, signal?: AbortSignal): Promise<void>;
  ack(receiptHandle: string, signal?: AbortSignal): Promise<void>;
  /** Puts messages on the queue the worker reads (a split job's tasks). */
  sendAll(bodies: readonly string[], signal?: AbortSignal): Promise<void>;
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
  putText(
    location: S3Location,
    body: string,
    contentType: string,
    signal?: AbortSignal,
    cacheControl?: string,
  ): Promise<void>;
  getText(location: S3Location, signal?: AbortSignal): Promise<string>;
  list(
    prefix: S3Location,
    signal?: AbortSignal,
  ): Promise<{ relativeKey: string; size: number; etag?: string }[]>;
  /** Deletes every object under `prefix` but those `keep` names; how many were deleted. */
  removePrefix(
    prefix: S3Location,
    signal?: AbortSignal,
    keep?: (relativeKey: string) => boolean,
  ): Promise<number>;
}

/** Job records: read one, apply a decision (record/store.ts). */
export type LedgerPort = RecordStore;

/** The transcoding engine: one run for a source, or the parts of a split one (transcode/transcoder.ts). */
export type TranscoderPort = Pick<
  Transcoder,
  | 'checkCodecs'
  | 'probe'
  | 'transcode'
  | 'planChunks'
  | 'cutPieces'
  | 'cutAudioPiece'
  | 'encodeChunk'
  | 'encodeAudio'
  | 'assemble'
>;

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
