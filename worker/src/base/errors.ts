/**
 * What the worker does after an error. The error says it; the retry policy only adds the
 * delivery count (job/base/retry-policy.ts).
 *
 * - `retry`: another attempt may pass (throttling, a network fault): the message comes back
 *   after a backoff delay, until the last delivery the redrive policy allows.
 * - `release`: not the job's fault (this worker's own shutdown): back on the queue at once.
 * - `give-up`: no attempt can pass (a broken file, a bad message, a refused permission):
 *   FAILED with the reason and the dead-letter queue at once.
 * - `abandon`: another worker owns the job now: touch neither its record nor its message.
 * - `crash`: an error outside this model, which means a bug in the worker or a broken image
 *   (ffprobe missing). Retrying cannot fix code, so the job is given up like `give-up`, with
 *   code INTERNAL, and the worker logs it as fatal and exits non-zero (see README, "Errors").
 */
export type ErrorAction = 'retry' | 'release' | 'give-up' | 'abandon' | 'crash';

/**
 * The error model. Every error the worker acts on carries its `action`; `code` is stable and
 * machine-readable; `message` is written for a person reading the job record or the DLQ.
 */
export abstract class TranscoderError extends Error {
  abstract readonly action: Exclude<ErrorAction, 'crash'>;
  abstract readonly code: string;

  /** Whether another attempt can pass: what the job record and its events say. */
  get retryable(): boolean {
    return this.action === 'retry' || this.action === 'release';
  }

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The message body is not a valid job (bad JSON, wrong version, bad S3 URIs, ...). */
export class InvalidMessageError extends TranscoderError {
  readonly action = 'give-up';
  readonly code = 'INVALID_MESSAGE';
}

/** The source object does not exist or cannot be read with the worker's permissions. */
export class SourceUnavailableError extends TranscoderError {
  readonly action = 'give-up';
  readonly code = 'SOURCE_UNAVAILABLE';
}

/** The source is not a media file the worker accepts (probe failed, no video, over a limit). */
export class InvalidMediaError extends TranscoderError {
  readonly action = 'give-up';
  readonly code = 'INVALID_MEDIA';
}

/** ffmpeg has no decoder for one of the source's streams; the transcoder may go on without it. */
export class MissingDecoderError extends InvalidMediaError {
  readonly stream: number;
  readonly codec: string;

  constructor(message: string, options: ErrorOptions & { stream: number; codec: string }) {
    super(message, options);
    this.stream = options.stream;
    this.codec = options.codec;
  }
}

/** The source is DRM-protected (Common Encryption, encrypted WebM): no key, no picture. */
export class EncryptedMediaError extends TranscoderError {
  readonly action = 'give-up';
  readonly code = 'ENCRYPTED_MEDIA';
}

/** ffmpeg ran and refused or failed on the input; `stderrTail` keeps its last lines. */
export class TranscodeFailedError extends TranscoderError {
  readonly action: 'retry' | 'give-up';
  readonly code = 'TRANSCODE_FAILED';
  readonly stderrTail: string;

  constructor(
    message: string,
    options: ErrorOptions & { stderrTail?: string; retryable?: boolean } = {},
  ) {
    super(message, options);
    this.stderrTail = options.stderrTail ?? '';
    this.action = options.retryable === true ? 'retry' : 'give-up';
  }
}

/** Not enough room in the work directory; retryable unless the job can never fit. */
export class InsufficientStorageError extends TranscoderError {
  readonly action: 'retry' | 'give-up';
  readonly code = 'INSUFFICIENT_STORAGE';

  constructor(message: string, options: ErrorOptions & { retryable: boolean }) {
    super(message, options);
    this.action = options.retryable ? 'retry' : 'give-up';
  }
}

/** A dependency failed in a way that may pass: throttling, 5xx, network, timeouts. */
export class TransientError extends TranscoderError {
  readonly action = 'retry';
  readonly code = 'TRANSIENT';
}

/** AWS refused the request for a reason another attempt will not fix (403, 400, ...). */
export class DependencyRejectedError extends TranscoderError {
  readonly action = 'give-up';
  readonly code = 'DEPENDENCY_REJECTED';
}

/** Our own shutdown (SIGTERM: scale-in, spot interruption, deadline) stopped the job. */
export class InterruptedError extends TranscoderError {
  readonly action = 'release';
  readonly code = 'INTERRUPTED';
}

/** Another worker took over the job's lease; this worker must stop without touching it. */
export class LeaseLostError extends TranscoderError {
  readonly action = 'abandon';
  readonly code = 'LEASE_LOST';
}

/** A control-plane request that cannot be served as asked (bad cursor, conflicting key, ...). */
export class BadRequestError extends TranscoderError {
  readonly action = 'give-up';
  readonly code: string;
  readonly status: number;

  constructor(message: string, options: ErrorOptions & { code?: string; status?: number } = {}) {
    super(message, options);
    this.code = options.code ?? 'BAD_REQUEST';
    this.status = options.status ?? 400;
  }
}

/** The environment does not describe a usable worker; lists every bad field. */
export class ConfigError extends Error {
  readonly issues: readonly string[];

  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n  - ${issues.join('\n  - ')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

interface SdkErrorShape {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'SlowDown',
  'TransactionConflictException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
]);

/**
 * Turns anything thrown by an AWS SDK call (or the network below it) into the error model,
 * by the SDK's own classification ($retryable, $fault, HTTP status), never by message text.
 * `what` names the operation for the person reading the record.
 */
export function classifyAwsError(err: unknown, what: string): TranscoderError {
  if (err instanceof TranscoderError) return err;
  const e = (err ?? {}) as SdkErrorShape;
  const name = e.name ?? 'Error';
  const status = e.$metadata?.httpStatusCode;
  const detail = err instanceof Error ? err.message : String(err);
  const message = `${what} failed: ${name}${status ? ` (HTTP ${status})` : ''}: ${detail}`;
  if (
    e.$retryable !== undefined ||
    e.$fault === 'server' ||
    (status !== undefined && (status >= 500 || status === 429 || status === 408)) ||
    THROTTLING_NAMES.has(name) ||
    (e.code !== undefined && NETWORK_CODES.has(e.code))
  ) {
    return new TransientError(message, { cause: err });
  }
  if (e.$fault === 'client' || (status !== undefined && status >= 400)) {
    return new DependencyRejectedError(message, { cause: err });
  }
  // No SDK classification at all: a socket error, an abort, a bug. Retrying is the safe
  // default; the receive count bounds it and the DLQ keeps the message.
  return new TransientError(message, { cause: err });
}

/** What to do after `err`: its own action, or `crash` for anything outside the model. */
export function errorAction(err: unknown): ErrorAction {
  return err instanceof TranscoderError ? err.action : 'crash';
}

/** The one-line reason recorded in the ledger and attached to the DLQ message. */
export function describeError(err: unknown): { code: string; message: string; retryable: boolean } {
  if (err instanceof TranscoderError) {
    return { code: err.code, message: err.message, retryable: err.retryable };
  }
  const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
  return { code: 'INTERNAL', message, retryable: false };
}
