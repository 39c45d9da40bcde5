import {
  endAttempt,
  expiry,
  HISTORY_LIMIT,
  iso,
  withEvents,
  type Decision,
  type JobRecord,
} from './job-record.ts';

/**
 * Transitions made by someone who holds no lease on the job: the control plane recording a job
 * it enqueued, a worker recording a message that is not a job, and the dead-letter view
 * recording a job whose worker died on its last allowed receive.
 */
export type RejectResult =
  | { readonly kind: 'recorded'; readonly record: JobRecord }
  | { readonly kind: 'unchanged'; readonly record: JobRecord };

/**
 * A message that could not become a job (malformed): FAILED without running, unless the job
 * it names already succeeded or is running under a live lease, which a bad message must not
 * overwrite.
 */
export function decideRejected(
  current: JobRecord | undefined,
  ctx: {
    jobId: string;
    messageId: string;
    receiveCount: number;
    workerId: string;
    now: number;
    error: { code: string; message: string };
    body: string;
    ttlSeconds?: number;
    notify?: boolean;
  },
): Decision<RejectResult> {
  if (current) {
    const live =
      (current.status === 'RUNNING' && (current.lease?.expiresAt ?? 0) > ctx.now) ||
      (current.fanout?.dispatched === true && current.status !== 'FAILED');
    const sameFailure = current.status === 'FAILED' && current.messageId === ctx.messageId;
    if (current.status === 'SUCCEEDED' || live || sameFailure) {
      return { result: { kind: 'unchanged', record: current } };
    }
  }
  const at = iso(ctx.now);
  const attempts = (current?.attempts ?? 0) + 1;
  const { lease: _lease, notifications: _n, ...rest } = current ?? ({} as Partial<JobRecord>);
  const failed: JobRecord = {
    ...rest,
    jobId: ctx.jobId,
    status: 'FAILED',
    version: (current?.version ?? 0) + 1,
    createdAt: current?.createdAt ?? at,
    updatedAt: at,
    finishedAt: at,
    ...expiry(ctx.now, ctx.ttlSeconds),
    attempts,
    retries: Math.max(0, attempts - 1),
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    request: { rejectedBody: ctx.body.length > 2048 ? `${ctx.body.slice(0, 2048)}...` : ctx.body },
    error: { ...ctx.error, retryable: false, attempt: attempts, at },
    history: [
      ...(current?.history ?? []),
      {
        attempt: attempts,
        messageId: ctx.messageId,
        receiveCount: ctx.receiveCount,
        worker: ctx.workerId,
        startedAt: at,
        endedAt: at,
        outcome: 'failed' as const,
        error: `${ctx.error.code}: ${ctx.error.message}`,
      },
    ].slice(-HISTORY_LIMIT),
  };
  const next = withEvents(failed, ctx.notify).write!;
  return { write: next, result: { kind: 'recorded', record: next } };
}

export type EnqueueResult =
  | { readonly kind: 'recorded'; readonly record: JobRecord }
  | { readonly kind: 'exists'; readonly record: JobRecord };

/**
 * A job accepted by the control API: QUEUED before any worker sees it. If a worker got there
 * first (the message is already in flight), its record stands.
 */
export function decideEnqueued(
  current: JobRecord | undefined,
  ctx: {
    jobId: string;
    now: number;
    input: string;
    output: string;
    request: unknown;
    messageId?: string;
  },
): Decision<EnqueueResult> {
  if (current) return { result: { kind: 'exists', record: current } };
  const at = iso(ctx.now);
  const next: JobRecord = {
    jobId: ctx.jobId,
    status: 'QUEUED',
    version: 1,
    createdAt: at,
    updatedAt: at,
    attempts: 0,
    retries: 0,
    input: ctx.input,
    output: ctx.output,
    request: ctx.request,
    ...(ctx.messageId ? { messageId: ctx.messageId } : {}),
    history: [],
  };
  return { write: next, result: { kind: 'recorded', record: next } };
}

export type AbandonResult =
  | { readonly kind: 'failed'; readonly record: JobRecord }
  | { readonly kind: 'unchanged'; readonly record: JobRecord | undefined };

/**
 * A RUNNING job whose lease ran out while its message sits in the dead-letter queue: its worker
 * died on the last allowed receive and SQS's redrive moved the message. It will not come back
 * by itself, so it is FAILED (found when the DLQ is listed).
 */
export function decideAbandoned(
  current: JobRecord | undefined,
  ctx: { now: number },
): Decision<AbandonResult> {
  if (!current || current.status !== 'RUNNING' || (current.lease?.expiresAt ?? 0) > ctx.now) {
    return { result: { kind: 'unchanged', record: current } };
  }
  const at = iso(ctx.now);
  const { lease: _lease, ...rest } = current;
  const reason =
    'the worker stopped without recording an outcome on its last allowed attempt; SQS moved the message to the dead-letter queue';
  const next: JobRecord = {
    ...rest,
    status: 'FAILED',
    version: current.version + 1,
    updatedAt: at,
    finishedAt: at,
    error: {
      code: 'WORKER_LOST',
      message: reason,
      retryable: false,
      attempt: current.attempts,
      at,
    },
    history: endAttempt(current.history, at, 'lost', `WORKER_LOST: ${reason}`),
  };
  return { write: next, result: { kind: 'failed', record: next } };
}
