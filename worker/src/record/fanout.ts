import {
  endAttempt,
  expiry,
  HISTORY_LIMIT,
  iso,
  withEvents,
  type AttemptRecord,
  type Decision,
  type Fanout,
  type JobRecord,
  type OwnedResult,
} from './job-record.ts';

/**
 * A long source split across many Jobs, as transitions of the one job record (no I/O). The
 * worker that claimed the job plans the split and records it (`decidePlanned`), puts the task
 * messages on the queue and lets go of the job (`decideDispatched`: RUNNING, no lease). Each
 * task's end is one conditional write: done (`decideTaskDone`, idempotent: a task is counted
 * once however often its message comes), retried or failing the job (`decideTaskFailed`). The
 * worker whose write completes the set sends the stitch message; the stitcher takes the job's
 * lease (`decideAssembleClaim`) and ends it with the usual decideSuccess / decideFailure. Stats
 * move as for any job: one RUNNING, then one SUCCEEDED or FAILED; a task's redeliveries count as
 * the job's retries.
 */

export function decidePlanned(
  current: JobRecord | undefined,
  ctx: { workerId: string; now: number; fanout: Omit<Fanout, 'done' | 'receives' | 'dispatched'> },
): Decision<OwnedResult> {
  if (current?.status !== 'RUNNING' || current.lease?.owner !== ctx.workerId) {
    return { result: { kind: 'lease-lost' } };
  }
  const at = iso(ctx.now);
  // A new plan publishes anew (a redriven job's earlier PLAYABLE is not this run's).
  const { playable: _playable, ...rest } = current;
  const next: JobRecord = {
    ...rest,
    version: current.version + 1,
    updatedAt: at,
    fanout: { ...ctx.fanout, done: [], receives: {}, dispatched: false },
    progress: {
      stage: 'transcoding',
      percent: 0,
      tasks: { done: 0, total: ctx.fanout.tasks.length },
      at,
    },
  };
  return { write: next, result: { kind: 'ok', record: next } };
}

/** The task messages are sent: the job is its tasks' now, the first message can go. */
export function decideDispatched(
  current: JobRecord | undefined,
  ctx: { workerId: string; now: number },
): Decision<OwnedResult> {
  if (
    current?.status !== 'RUNNING' ||
    current.lease?.owner !== ctx.workerId ||
    current.fanout === undefined
  ) {
    return { result: { kind: 'lease-lost' } };
  }
  const at = iso(ctx.now);
  const { lease: _lease, ...rest } = current;
  const next: JobRecord = {
    ...rest,
    version: current.version + 1,
    updatedAt: at,
    fanout: { ...current.fanout, dispatched: true },
    history: endAttempt(current.history, at, 'split'),
  };
  return { write: next, result: { kind: 'ok', record: next } };
}

export type TaskResult =
  /** The job is finished, or split again by a later attempt: the message is dropped. */
  | { readonly kind: 'stale'; readonly record: JobRecord | undefined }
  | {
      readonly kind: 'done';
      readonly record: JobRecord;
      /** Every task is done: the stitch can start. */
      readonly complete: boolean;
      /** Whether this write is the one that counted the task. */
      readonly counted: boolean;
    };

/** The split job this task belongs to, if it is still going. */
function liveFanout(
  current: JobRecord | undefined,
  fanoutId: number,
): current is JobRecord & {
  fanout: Fanout;
} {
  return (
    current !== undefined &&
    (current.status === 'RUNNING' || current.status === 'QUEUED') &&
    current.fanout?.id === fanoutId
  );
}

/** A task's message was seen with this receive count: the retries it adds, once. */
function receivesWith(
  fanout: Fanout,
  task: string,
  receiveCount: number,
): { receives: Fanout['receives']; added: number } {
  const before = Math.max(1, fanout.receives[task] ?? 1);
  if (receiveCount <= before) return { receives: fanout.receives, added: 0 };
  return { receives: { ...fanout.receives, [task]: receiveCount }, added: receiveCount - before };
}

/** Whether a record's tasks are all done (the stitch can start). */
export function isComplete(fanout: Fanout): boolean {
  return fanout.tasks.every((t) => fanout.done.includes(t));
}

export function decideTaskDone(
  current: JobRecord | undefined,
  ctx: { fanoutId: number; task: string; receiveCount: number; now: number },
): Decision<TaskResult> {
  if (!liveFanout(current, ctx.fanoutId)) return { result: { kind: 'stale', record: current } };
  const { fanout } = current;
  if (fanout.done.includes(ctx.task)) {
    return {
      result: { kind: 'done', record: current, complete: isComplete(fanout), counted: false },
    };
  }
  const at = iso(ctx.now);
  const { receives, added } = receivesWith(fanout, ctx.task, ctx.receiveCount);
  const done = [...fanout.done, ctx.task];
  const next: JobRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: at,
    retries: current.retries + added,
    fanout: { ...fanout, done, receives },
    progress: {
      stage: 'transcoding',
      percent: Math.floor((100 * done.length) / fanout.tasks.length),
      tasks: { done: done.length, total: fanout.tasks.length },
      at,
    },
  };
  return {
    write: next,
    result: { kind: 'done', record: next, complete: isComplete(next.fanout!), counted: true },
  };
}

export type TaskFailedResult =
  { readonly kind: 'stale' } | { readonly kind: 'recorded'; readonly record: JobRecord };

/**
 * A task's attempt failed. Not final: the job's retries and last error say so, the message
 * comes back after the delay. Final: the job is FAILED (once: a second final failure of another
 * task finds it FAILED and is stale).
 */
export function decideTaskFailed(
  current: JobRecord | undefined,
  ctx: {
    fanoutId: number;
    task: string;
    messageId: string;
    receiveCount: number;
    workerId: string;
    now: number;
    final: boolean;
    error: { code: string; message: string; retryable: boolean };
    ttlSeconds?: number;
    notify?: boolean;
  },
): Decision<TaskFailedResult> {
  if (!liveFanout(current, ctx.fanoutId)) return { result: { kind: 'stale' } };
  const at = iso(ctx.now);
  const { receives, added } = receivesWith(current.fanout, ctx.task, ctx.receiveCount);
  const entry: AttemptRecord = {
    attempt: current.attempts,
    task: ctx.task,
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    worker: ctx.workerId,
    startedAt: at,
    endedAt: at,
    outcome: ctx.final ? 'failed' : 'retry',
    error: `${ctx.error.code}: ${ctx.task}: ${ctx.error.message}`.slice(0, 1024),
  };
  const { lease: _lease, notifications: _n, ...rest } = current;
  const next: JobRecord = {
    ...rest,
    status: ctx.final ? 'FAILED' : current.status,
    version: current.version + 1,
    updatedAt: at,
    retries: current.retries + added,
    fanout: { ...current.fanout, receives },
    ...(ctx.final ? { finishedAt: at, ...expiry(ctx.now, ctx.ttlSeconds) } : {}),
    error: {
      ...ctx.error,
      message: `${describeTask(ctx.task, current.fanout)}: ${ctx.error.message}`,
      attempt: current.attempts,
      at,
    },
    ...(current.lease && !ctx.final ? { lease: current.lease } : {}),
    history: [...current.history, entry].slice(-HISTORY_LIMIT),
  };
  const decided = withEvents(next, ctx.final && ctx.notify);
  return { write: decided.write!, result: { kind: 'recorded', record: decided.write! } };
}

/** `chunk 3 of 15 (its part of the source)`, `the audio`, `the stitch`. */
export function describeTask(task: string, fanout: Pick<Fanout, 'chunks'>): string {
  const chunk = /^chunk-(\d+)$/.exec(task);
  if (chunk) return `chunk ${Number(chunk[1]) + 1} of ${fanout.chunks}`;
  return task === 'audio' ? 'the audio' : 'the stitch';
}

export type AssembleClaimResult =
  | { readonly kind: 'claimed'; readonly record: JobRecord }
  | { readonly kind: 'duplicate'; readonly record: JobRecord }
  | { readonly kind: 'stale' }
  | { readonly kind: 'busy'; readonly record: JobRecord };

/**
 * The stitcher takes the job's lease, as a worker claims a job: an attempt in the history, the
 * lease renewed by its heartbeat, ended by decideSuccess or decideFailure. A SUCCEEDED job is a
 * duplicate stitch message; a live lease is another stitcher's.
 */
export function decideAssembleClaim(
  current: JobRecord | undefined,
  ctx: {
    fanoutId: number;
    messageId: string;
    receiveCount: number;
    workerId: string;
    now: number;
    leaseMs: number;
  },
): Decision<AssembleClaimResult> {
  if (current?.status === 'SUCCEEDED' && current.fanout?.id === ctx.fanoutId) {
    return { result: { kind: 'duplicate', record: current } };
  }
  if (!liveFanout(current, ctx.fanoutId) || !isComplete(current.fanout)) {
    return { result: { kind: 'stale' } };
  }
  if (
    current.lease !== undefined &&
    current.lease.expiresAt > ctx.now &&
    current.lease.owner !== ctx.workerId
  ) {
    return { result: { kind: 'busy', record: current } };
  }
  const at = iso(ctx.now);
  const { receives, added } = receivesWith(current.fanout, 'assemble', ctx.receiveCount);
  const history = [...current.history];
  const last = history[history.length - 1];
  if (last?.task === 'assemble' && last.outcome === undefined) {
    history[history.length - 1] = {
      ...last,
      endedAt: at,
      outcome: 'lost',
      error: 'lease expired: the worker stopped without recording an outcome',
    };
  }
  history.push({
    attempt: current.attempts + 1,
    task: 'assemble',
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    worker: ctx.workerId,
    startedAt: at,
  });
  const next: JobRecord = {
    ...current,
    status: 'RUNNING',
    version: current.version + 1,
    updatedAt: at,
    attempts: current.attempts + 1,
    retries: current.retries + added,
    messageId: ctx.messageId,
    receiveCount: ctx.receiveCount,
    lease: { owner: ctx.workerId, expiresAt: ctx.now + ctx.leaseMs },
    fanout: { ...current.fanout, receives },
    progress: {
      stage: 'uploading',
      percent: 100,
      tasks: { done: current.fanout.done.length, total: current.fanout.tasks.length },
      at,
    },
    history: history.slice(-HISTORY_LIMIT),
  };
  return { write: next, result: { kind: 'claimed', record: next } };
}
