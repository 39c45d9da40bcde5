import { truncate } from '../base/text.ts';
import type { Fanout, Playable } from './split-record.ts';

export type { Fanout, Playable, Publication } from './split-record.ts';
/**
 * The job record as a state machine, with no I/O: QUEUED -> RUNNING -> SUCCEEDED | FAILED, a
 * lease on RUNNING, and the stats change that every transition implies. The DynamoDB adapter
 * writes a decision with one conditional write on the record's version, so two workers can
 * never both make the same transition, and the stats move exactly once per transition.
 */
export type JobStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';

export interface JobErrorInfo {
  readonly code: string;
  readonly message: string;
  readonly retryable: boolean;
  readonly attempt: number;
  readonly at: string;
}

export type AttemptOutcome =
  | 'succeeded'
  | 'retry'
  | 'failed'
  | 'interrupted'
  | 'lost'
  // The source was split across many Jobs (record/fanout.ts); the job goes on in its tasks.
  | 'split';

export interface AttemptRecord {
  readonly attempt: number;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly worker: string;
  readonly startedAt: string;
  readonly endedAt?: string;
  readonly outcome?: AttemptOutcome;
  readonly error?: string;
  /** For a split job: the task this attempt was (`chunk-3`, `audio`, `assemble`). */
  readonly task?: string;
}

/**
 * Where a running job is: its stage, the percent of the source transcoded (ffmpeg's own
 * progress, 100 from the upload on), the encoding speed, and the renditions being made.
 */
export interface JobProgress {
  readonly stage: 'downloading' | 'transcoding' | 'uploading' | 'done';
  readonly percent: number;
  readonly speed?: number;
  readonly rungs?: readonly string[];
  /** A split job: its tasks (chunks and the audio) done of all. */
  readonly tasks?: { readonly done: number; readonly total: number };
}

/**
 * The events of a terminal state: `pending` from the write that made it terminal until the
 * worker has tried every destination (a worker that dies in between leaves it pending, and the
 * message's redelivery delivers it), then `done` with each destination's outcome.
 */
export interface JobNotifications {
  readonly eventId: string;
  readonly state: 'pending' | 'done';
  readonly deliveries?: readonly Delivery[];
}

export interface Delivery {
  /** `sns`, `eventbridge` or `webhook`. */
  readonly target: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly at: string;
  readonly error?: string;
}

export interface JobRecord {
  readonly jobId: string;
  readonly status: JobStatus;
  /** Bumped by every write; each write is conditional on the version it read. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  /** Attempts after the first: a failed, interrupted or lost attempt followed by another. */
  readonly retries: number;
  /** The SQS message of the latest attempt. */
  readonly messageId?: string;
  readonly receiveCount?: number;
  readonly lease?: { readonly owner: string; readonly expiresAt: number };
  readonly input?: string;
  readonly output?: string;
  readonly request?: unknown;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly progress?: JobProgress & { readonly at: string };
  readonly result?: unknown;
  readonly error?: JobErrorInfo;
  readonly history: readonly AttemptRecord[];
  readonly notifications?: JobNotifications;
  /** A long source split across many Jobs: the plan and which of its tasks are done. */
  readonly fanout?: Fanout;
  /** A split job's outputs became playable while it ran (record/publication.ts). */
  readonly playable?: Playable;
  /** Epoch seconds; DynamoDB's TTL deletes the record after it (set on SUCCEEDED and FAILED). */
  readonly expiresAt?: number;
}

export interface Stats {
  readonly succeeded: number;
  readonly failed: number;
  readonly running: number;
  readonly retries: number;
}

export const ZERO_STATS: Stats = { succeeded: 0, failed: 0, running: 0, retries: 0 };
/** Attempts kept in a record's history (the oldest drop off). */
export const HISTORY_LIMIT = 20;

/** A transition's outcome: the record to write (if any) and what the caller learns. */
export interface Decision<R> {
  readonly write?: JobRecord;
  readonly result: R;
}

/** What the stats gain when `before` becomes `after`; exact because stats = f(records). */
export function statsDelta(before: JobRecord | undefined, after: JobRecord): Stats {
  const count = (r: JobRecord | undefined, s: JobStatus) => (r?.status === s ? 1 : 0);
  return {
    succeeded: count(after, 'SUCCEEDED') - count(before, 'SUCCEEDED'),
    failed: count(after, 'FAILED') - count(before, 'FAILED'),
    running: count(after, 'RUNNING') - count(before, 'RUNNING'),
    retries: after.retries - (before?.retries ?? 0),
  };
}

export function isZero(delta: Stats): boolean {
  return delta.succeeded === 0 && delta.failed === 0 && delta.running === 0 && delta.retries === 0;
}

export interface ClaimContext {
  readonly jobId: string;
  readonly messageId: string;
  readonly receiveCount: number;
  readonly workerId: string;
  readonly now: number;
  readonly leaseMs: number;
  readonly input: string;
  readonly output: string;
  readonly request: unknown;
}

export type ClaimResult =
  | { readonly kind: 'claimed'; readonly record: JobRecord }
  | { readonly kind: 'duplicate'; readonly record: JobRecord }
  | { readonly kind: 'already-failed'; readonly record: JobRecord }
  /** The job was split across many Jobs: its tasks carry it on, the message is done with. */
  | { readonly kind: 'split'; readonly record: JobRecord }
  | { readonly kind: 'busy'; readonly record: JobRecord };

/**
 * Claiming a job for one attempt. SUCCEEDED is final (a redelivery is a duplicate); FAILED is
 * final for the message that failed it, but a different message (a DLQ redrive) starts again;
 * RUNNING under a live lease belongs to someone else; an expired lease is a lost attempt.
 */
export function decideClaim(
  current: JobRecord | undefined,
  ctx: ClaimContext,
): Decision<ClaimResult> {
  const at = iso(ctx.now);
  if (current?.status === 'SUCCEEDED') return { result: { kind: 'duplicate', record: current } };
  if (current?.fanout?.dispatched && current.status !== 'FAILED') {
    return { result: { kind: 'split', record: current } };
  }
  if (current?.status === 'FAILED' && current.messageId === ctx.messageId) {
    return { result: { kind: 'already-failed', record: current } };
  }
  if (
    current?.status === 'RUNNING' &&
    current.lease !== undefined &&
    current.lease.expiresAt > ctx.now &&
    current.lease.owner !== ctx.workerId
  ) {
    return { result: { kind: 'busy', record: current } };
  }
  const attempts = (current?.attempts ?? 0) + 1;
  const history = [...(current?.history ?? [])];
  const last = history[history.length - 1];
  if (current?.status === 'RUNNING' && last && last.outcome === undefined) {
    history[history.length - 1] = {
      ...last,
      endedAt: at,
      outcome: 'lost',
      error: 'lease expired: the worker stopped without recording an outcome',
    };
  }
  history.push({
    attempt: attempts,
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    worker: ctx.workerId,
    startedAt: at,
  });
  const next: JobRecord = {
    jobId: ctx.jobId,
    status: 'RUNNING',
    version: (current?.version ?? 0) + 1,
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    attempts,
    retries: Math.max(0, attempts - 1),
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    lease: { owner: ctx.workerId, expiresAt: ctx.now + ctx.leaseMs },
    input: ctx.input,
    output: ctx.output,
    request: ctx.request,
    startedAt: at,
    ...(current?.error ? { error: current.error } : {}),
    history: history.slice(-HISTORY_LIMIT),
  };
  return { write: next, result: { kind: 'claimed', record: next } };
}

export type OwnedResult =
  { readonly kind: 'ok'; readonly record: JobRecord } | { readonly kind: 'lease-lost' };

function owns(current: JobRecord | undefined, workerId: string): current is JobRecord {
  return current?.status === 'RUNNING' && current.lease?.owner === workerId;
}

/** Extends the lease (and records progress) while the worker holds it. */
export function decideHeartbeat(
  current: JobRecord | undefined,
  ctx: {
    workerId: string;
    now: number;
    leaseMs: number;
    progress?: JobProgress;
  },
): Decision<OwnedResult> {
  if (!owns(current, ctx.workerId)) return { result: { kind: 'lease-lost' } };
  const at = iso(ctx.now);
  const next: JobRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: at,
    lease: { owner: ctx.workerId, expiresAt: ctx.now + ctx.leaseMs },
    ...(ctx.progress ? { progress: { ...ctx.progress, at } } : {}),
  };
  return { write: next, result: { kind: 'ok', record: next } };
}

export function decideSuccess(
  current: JobRecord | undefined,
  ctx: { workerId: string; now: number; result: unknown; ttlSeconds?: number; notify?: boolean },
): Decision<OwnedResult> {
  if (!owns(current, ctx.workerId)) return { result: { kind: 'lease-lost' } };
  const at = iso(ctx.now);
  const { lease: _lease, error: _error, notifications: _n, ...rest } = current;
  const next: JobRecord = {
    ...rest,
    status: 'SUCCEEDED',
    version: current.version + 1,
    updatedAt: at,
    finishedAt: at,
    ...expiry(ctx.now, ctx.ttlSeconds),
    progress: { stage: 'done', percent: 100, at },
    result: ctx.result,
    history: endAttempt(current.history, at, 'succeeded'),
  };
  return withEvents(next, ctx.notify);
}

/** One id per outcome of one attempt: `<jobId>.<status>.<attempt>`; receivers dedupe on it. */
export function eventIdOf(record: Pick<JobRecord, 'jobId' | 'status' | 'attempts'>): string {
  return `${record.jobId}.${record.status}.${record.attempts}`;
}

/** A terminal record, marked for its events when there is anywhere to send them. */
export function withEvents(record: JobRecord, notify: boolean | undefined): Decision<OwnedResult> {
  const next: JobRecord = notify
    ? {
        ...record,
        notifications: {
          eventId: eventIdOf(record),
          state: 'pending',
        },
      }
    : record;
  return { write: next, result: { kind: 'ok', record: next } };
}

export type NotifiedResult =
  { readonly kind: 'recorded'; readonly record: JobRecord } | { readonly kind: 'stale' };

/**
 * Records what became of a terminal state's events. Only for the state they describe: if the
 * job has moved on (a redriven job ran again), the outcome is dropped.
 */
export function decideNotified(
  current: JobRecord | undefined,
  ctx: { eventId: string; deliveries: readonly Delivery[]; now: number },
): Decision<NotifiedResult> {
  if (!current?.notifications || current.notifications.eventId !== ctx.eventId) {
    return { result: { kind: 'stale' } };
  }
  const next: JobRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: iso(ctx.now),
    notifications: { eventId: ctx.eventId, state: 'done', deliveries: ctx.deliveries },
  };
  return { write: next, result: { kind: 'recorded', record: next } };
}

/**
 * Ends the attempt with an error. `final` records FAILED (the message goes to the DLQ);
 * otherwise the job is QUEUED again and the message comes back after the retry delay.
 */
export function decideFailure(
  current: JobRecord | undefined,
  ctx: {
    workerId: string;
    now: number;
    final: boolean;
    outcome: Extract<AttemptOutcome, 'retry' | 'failed' | 'interrupted'>;
    error: { code: string; message: string; retryable: boolean };
    ttlSeconds?: number;
    notify?: boolean;
  },
): Decision<OwnedResult> {
  if (!owns(current, ctx.workerId)) return { result: { kind: 'lease-lost' } };
  const at = iso(ctx.now);
  const { lease: _lease, notifications: _n, ...rest } = current;
  const next: JobRecord = {
    ...rest,
    status: ctx.final ? 'FAILED' : 'QUEUED',
    version: current.version + 1,
    updatedAt: at,
    ...(ctx.final ? { finishedAt: at, ...expiry(ctx.now, ctx.ttlSeconds) } : {}),
    error: { ...ctx.error, attempt: current.attempts, at },
    history: endAttempt(
      current.history,
      at,
      ctx.outcome,
      `${ctx.error.code}: ${ctx.error.message}`,
    ),
  };
  return withEvents(next, ctx.final && ctx.notify);
}

/** The history with its open attempt closed (at most HISTORY_LIMIT entries are kept). */
export function endAttempt(
  history: readonly AttemptRecord[],
  at: string,
  outcome: AttemptOutcome,
  error?: string,
): AttemptRecord[] {
  const copy = [...history];
  const last = copy[copy.length - 1];
  if (last && last.outcome === undefined) {
    copy[copy.length - 1] = {
      ...last,
      endedAt: at,
      outcome,
      ...(error ? { error: truncate(error, 1003) } : {}),
    };
  }
  return copy;
}

/** A terminal record's expiry for DynamoDB TTL, when records expire at all. */
export function expiry(now: number, ttlSeconds: number | undefined): { expiresAt?: number } {
  return ttlSeconds === undefined ? {} : { expiresAt: Math.floor(now / 1000) + ttlSeconds };
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}
