import { iso, type Decision, type Fanout, type JobRecord } from './job-record.ts';

/**
 * Growing playlists, as transitions of a job's record (no I/O). A single Job's are its own to
 * write (`decideLivePlayable` records when they first are). A split job's list the chunks done
 * from the first on, as far as the audio is published; they must only ever grow, so one worker
 * at a time writes them, under a short lock in the record: a task that has counted itself
 * done claims it (`decidePublishClaim`), writes the playlists for what it saw, and lets go
 * (`decidePublished`), then claims again in case more was done meanwhile. A task finding the lock
 * held leaves the work to its holder, who reads the record again after letting go and sees that
 * task's chunk. The first release that publishes anything records the PLAYABLE milestone. The
 * job's end (`decideEndPublication`) takes the lock for good: no EVENT playlist after it.
 */

type SplitRecord = JobRecord & { readonly fanout: Fanout };

/**
 * The chunks the playlists can list: done, in a run from the first, and no further than the
 * audio's published segments reach while it is still encoding.
 */
export function publishableChunks(fanout: Fanout): number {
  let n = 0;
  while (n < fanout.chunks && fanout.done.includes(`chunk-${n}`)) n++;
  if (fanout.tasks.includes('audio') && !fanout.done.includes('audio')) {
    return Math.min(n, fanout.published?.audioChunks ?? 0);
  }
  return n;
}

export type AudioProgress =
  | { readonly kind: 'recorded'; readonly record: SplitRecord; readonly more: boolean }
  /** The job has ended, or its plan is not this one: the audio publishes nothing more. */
  | { readonly kind: 'ended' };

/**
 * The audio's task, while it encodes, has published segments that cover `chunks` chunks from
 * the first: recorded (it only grows), so that publishing can list those chunks before the
 * audio is done. `more`: the record now says more than it did.
 */
export function decideAudioPublished(
  current: JobRecord | undefined,
  ctx: { fanoutId: number; now: number; chunks: number },
): Decision<AudioProgress> {
  if (!live(current, ctx.fanoutId) || current.fanout.published?.ended) {
    return { result: { kind: 'ended' } };
  }
  const published = current.fanout.published ?? { chunks: 0 };
  if (ctx.chunks <= (published.audioChunks ?? 0)) {
    return { result: { kind: 'recorded', record: current, more: false } };
  }
  const next = withPublication(current, ctx.now, { ...published, audioChunks: ctx.chunks });
  return { write: next, result: { kind: 'recorded', record: next, more: true } };
}

export type PublishClaim =
  | { readonly kind: 'claimed'; readonly record: SplitRecord; readonly chunks: number }
  /** Nothing new to list, the job has ended, or its plan is not this one. */
  | { readonly kind: 'nothing' }
  /** Another worker is writing them; it will list this task's chunk too. */
  | { readonly kind: 'busy' };

export function decidePublishClaim(
  current: JobRecord | undefined,
  ctx: { fanoutId: number; owner: string; now: number; lockMs: number },
): Decision<PublishClaim> {
  if (!live(current, ctx.fanoutId)) return { result: { kind: 'nothing' } };
  const published = current.fanout.published ?? { chunks: 0 };
  const chunks = publishableChunks(current.fanout);
  if (published.ended || chunks <= published.chunks) return { result: { kind: 'nothing' } };
  if (heldByOther(published.lock, ctx)) return { result: { kind: 'busy' } };
  const next = withPublication(current, ctx.now, {
    ...published,
    lock: { owner: ctx.owner, expiresAt: ctx.now + ctx.lockMs },
  });
  return { write: next, result: { kind: 'claimed', record: next, chunks } };
}

export type PublishRelease =
  | {
      readonly kind: 'released';
      readonly record: JobRecord;
      /** This release made the job PLAYABLE: its event is to be delivered. */
      readonly playable: boolean;
    }
  /** The lock was not this worker's any more (it expired and was taken), or the job ended. */
  | { readonly kind: 'lost' };

/**
 * The playlists now list `chunks` chunks: recorded, the lock let go; the first time, PLAYABLE
 * with the master playlist's URI (its event pending when there is anywhere to send it).
 */
export function decidePublished(
  current: JobRecord | undefined,
  ctx: {
    fanoutId: number;
    owner: string;
    now: number;
    chunks: number;
    master: string;
    notify: boolean;
  },
): Decision<PublishRelease> {
  const published = current?.fanout?.id === ctx.fanoutId ? current.fanout.published : undefined;
  if (!current || published?.lock?.owner !== ctx.owner) return { result: { kind: 'lost' } };
  const { lock: _lock, ...rest } = published;
  if (!live(current, ctx.fanoutId)) {
    // The job ended meanwhile: the lock is let go (its end waits for it), nothing else changes.
    const next = withPublication(current as SplitRecord, ctx.now, rest);
    return { write: next, result: { kind: 'lost' } };
  }
  const at = iso(ctx.now);
  const first = current.playable === undefined && ctx.chunks > 0;
  const next: JobRecord = {
    ...withPublication(current, ctx.now, { ...rest, chunks: Math.max(rest.chunks, ctx.chunks) }),
    ...(first
      ? { playable: { at, master: ctx.master, event: ctx.notify ? 'pending' : 'none' } }
      : {}),
  };
  return { write: next, result: { kind: 'released', record: next, playable: first } };
}

export type EndPublication =
  /** Ended; `chunks` are listed (0: nothing was published, nothing to mark). */
  | { readonly kind: 'ended'; readonly record: JobRecord; readonly chunks: number }
  /** A writer holds the lock: wait for it (at most until it expires) and ask again. */
  | { readonly kind: 'busy'; readonly retryAt: number }
  | { readonly kind: 'nothing' };

/**
 * The job is ending (the stitch, or its failure): no EVENT playlist may be written after this.
 * Waits out a writer that holds the lock, so that its playlists cannot land after the last ones.
 */
export function decideEndPublication(
  current: JobRecord | undefined,
  ctx: { fanoutId: number; owner: string; now: number; ended: 'succeeded' | 'failed' },
): Decision<EndPublication> {
  if (current?.fanout?.id !== ctx.fanoutId) return { result: { kind: 'nothing' } };
  const published = current.fanout.published ?? { chunks: 0 };
  if (published.ended) {
    return { result: { kind: 'ended', record: current, chunks: published.chunks } };
  }
  if (heldByOther(published.lock, ctx)) {
    return { result: { kind: 'busy', retryAt: published.lock!.expiresAt } };
  }
  const { lock: _lock, ...rest } = published;
  const next = withPublication(current as SplitRecord, ctx.now, { ...rest, ended: ctx.ended });
  return { write: next, result: { kind: 'ended', record: next, chunks: rest.chunks } };
}

/**
 * A single Job's outputs are playable while it runs (job/publish-live.ts): its attempt, while it
 * still holds the lease, records PLAYABLE with the master playlist's URI, once. A retry's
 * attempt starts without it (its claim) and publishes, and says so, again.
 */
export function decideLivePlayable(
  current: JobRecord | undefined,
  ctx: { owner: string; now: number; master: string; notify: boolean },
): Decision<PublishRelease> {
  if (
    current?.status !== 'RUNNING' ||
    current.lease?.owner !== ctx.owner ||
    current.playable !== undefined
  ) {
    return { result: { kind: 'lost' } };
  }
  const next: JobRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: iso(ctx.now),
    playable: { at: iso(ctx.now), master: ctx.master, event: ctx.notify ? 'pending' : 'none' },
  };
  return { write: next, result: { kind: 'released', record: next, playable: true } };
}

/** The PLAYABLE event was delivered (or given up on): recorded, so nobody sends it again. */
export function decidePlayableNotified(
  current: JobRecord | undefined,
  ctx: { now: number },
): Decision<{ readonly kind: 'ok' }> {
  if (current?.playable?.event !== 'pending') return { result: { kind: 'ok' } };
  const next: JobRecord = {
    ...current,
    version: current.version + 1,
    updatedAt: iso(ctx.now),
    playable: { ...current.playable, event: 'done' },
  };
  return { write: next, result: { kind: 'ok' } };
}

function live(current: JobRecord | undefined, fanoutId: number): current is SplitRecord {
  return current?.status === 'RUNNING' && current.fanout?.id === fanoutId;
}

function heldByOther(
  lock: { readonly owner: string; readonly expiresAt: number } | undefined,
  ctx: { readonly owner: string; readonly now: number },
): boolean {
  return lock !== undefined && lock.owner !== ctx.owner && lock.expiresAt > ctx.now;
}

function withPublication(
  current: SplitRecord,
  now: number,
  published: NonNullable<Fanout['published']>,
): SplitRecord {
  return {
    ...current,
    version: current.version + 1,
    updatedAt: iso(now),
    fanout: { ...current.fanout, published },
  };
}
