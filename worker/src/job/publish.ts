import { setTimeout as sleep } from 'node:timers/promises';
import { childOf, formatS3Uri, type S3Location } from '../contract/s3-uri.ts';
import { buildPlayableEvent } from '../record/job-event.ts';
import type { Fanout, JobRecord } from '../record/job-record.ts';
import {
  decideEndPublication,
  decidePlayableNotified,
  decidePublishClaim,
  decidePublished,
} from '../record/publication.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import type { AudioOutcome } from '../transcode/audio.ts';
import { layout } from '../transcode/ladder/layout.ts';
import { GROWING_PLAYLIST } from '../transcode/package/output-files.ts';
import {
  growingPlaylists,
  isPublishedSegment,
  type PublishedAudio,
  type PublishedRung,
} from '../transcode/progressive/tracks.ts';
import type { JobContext } from './base/context.ts';
import { shouldNotify, webhookOf } from './base/notify.ts';
import { PART, recordedJob } from './base/split-work.ts';

/** How long a writer of the growing playlists holds them: far more than a dozen small PUTs. */
const LOCK_MS = 30_000;

/**
 * After a task of a split job is counted done (and as the audio's segments cover another
 * chunk): the growing playlists (type EVENT) over the chunks done from the first, as far as
 * the audio's published segments reach, written by one worker at a time
 * (record/publication.ts) and again while more is done; the first time, the job is PLAYABLE
 * and its event goes out. Best effort: what fails here is logged, and the next task or the
 * stitch publishes instead; the job's outcome never depends on it.
 */
export async function publishProgress(
  ctx: JobContext,
  record: JobRecord & { fanout: Fanout },
  signal: AbortSignal,
): Promise<void> {
  const { deps, settings, jobId, log } = ctx;
  const { request, output, work } = recordedJob(record);
  if (!request.formats.includes('hls')) return;
  const fanoutId = record.fanout.id;
  const owner = settings.workerId;
  const cache: PartsCache = { chunks: new Map() };
  let holding = false;
  try {
    for (;;) {
      const claim = await deps.ledger.transition(
        jobId,
        (current) =>
          decidePublishClaim(current, { fanoutId, owner, now: deps.clock.now(), lockMs: LOCK_MS }),
        { known: UNKNOWN_RECORD, signal },
      );
      if (claim.kind !== 'claimed') return;
      holding = true;
      const { chunks } = claim;
      const playlists = growingPlaylists({
        ...(await readParts(
          ctx,
          work,
          { chunks, audioDone: claim.record.fanout.done.includes('audio') },
          signal,
          cache,
        )),
        ended: false,
      });
      await putPlaylists(ctx, output, playlists, signal);
      const release = await deps.ledger.transition(
        jobId,
        (current) =>
          decidePublished(current, {
            fanoutId,
            owner,
            now: deps.clock.now(),
            chunks,
            master: masterUri(output),
            notify: shouldNotify(deps, request),
          }),
        { known: claim.record, signal },
      );
      holding = false;
      if (release.kind === 'lost') return;
      log.info({ chunks, of: record.fanout.chunks }, 'growing playlists published');
      if (release.playable) {
        log.info({ master: masterUri(output) }, 'job playable');
        await deliverPlayable(ctx, release.record, signal);
      }
    }
  } catch (err) {
    log.warn({ err }, 'growing playlists not published; a later task or the stitch will');
    if (holding) await letGo(ctx, fanoutId);
  }
}

/**
 * The job is ending: no growing playlist after this (a writer still at it is waited for, up to
 * its lock). A failed job's playlists, if any were published, get their ENDLIST where they stand,
 * so that a player stops cleanly at the end of what was published. Returns how many chunks were
 * published. Best effort, as publishing is.
 */
export async function endPublication(
  ctx: JobContext,
  record: JobRecord & { fanout: Fanout },
  ended: 'succeeded' | 'failed',
  signal: AbortSignal,
): Promise<{ readonly chunks: number; readonly listed?: Parts }> {
  const { deps, settings, jobId, log } = ctx;
  const fanoutId = record.fanout.id;
  try {
    for (;;) {
      const end = await deps.ledger.transition(
        jobId,
        (current) =>
          decideEndPublication(current, {
            fanoutId,
            owner: settings.workerId,
            now: deps.clock.now(),
            ended,
          }),
        { known: UNKNOWN_RECORD, signal },
      );
      if (end.kind === 'nothing') return { chunks: 0 };
      if (end.kind === 'busy') {
        await sleep(Math.min(1000, Math.max(50, end.retryAt - deps.clock.now())), undefined, {
          signal,
        });
        continue;
      }
      if (ended === 'failed' && end.chunks > 0) {
        return {
          chunks: end.chunks,
          listed: await markEnded(ctx, end.record as typeof record, end.chunks, signal),
        };
      }
      return { chunks: end.chunks };
    }
  } catch (err) {
    log.warn({ err }, 'the growing playlists were not closed');
    return { chunks: 0 };
  }
}

/** A failed job's published playlists, as they stand, with ENDLIST; what they list. */
async function markEnded(
  ctx: JobContext,
  record: JobRecord & { fanout: Fanout },
  chunks: number,
  signal: AbortSignal,
): Promise<Parts> {
  const { request, output, work } = recordedJob(record);
  const audioDone = record.fanout.done.includes('audio');
  const parts = await readParts(ctx, work, { chunks, audioDone }, signal, { chunks: new Map() });
  const playlists = growingPlaylists({ ...parts, ended: true }).filter(
    (p) => p.key !== layout.hlsMaster,
  );
  await putPlaylists(ctx, output, playlists, signal);
  ctx.log.info({ chunks, formats: request.formats }, 'published playlists of the failed job ended');
  return parts;
}

/** What the first chunks and the audio published (their parts' JSON), as growingPlaylists takes it. */
interface Parts {
  readonly chunks: readonly (readonly PublishedRung[])[];
  readonly audio: readonly PublishedAudio[];
  readonly audioLanguage?: string;
}

/** The parts already read by one publisher, kept across its rounds. */
interface PartsCache {
  readonly chunks: Map<number, readonly PublishedRung[]>;
  audio?: AudioOutcome;
}

async function readParts(
  ctx: JobContext,
  work: S3Location,
  { chunks, audioDone }: { readonly chunks: number; readonly audioDone: boolean },
  signal: AbortSignal,
  cache: PartsCache,
): Promise<Parts> {
  const storage = ctx.deps.storage;
  for (let i = 0; i < chunks; i++) {
    if (cache.chunks.has(i)) continue;
    const text = await storage.getText(childOf(work, PART.chunkTracks(i)), signal);
    cache.chunks.set(i, JSON.parse(text) as PublishedRung[]);
  }
  // The audio's outcome once it is done (kept); before, what it has published so far (its
  // task records that only after writing it), read again each time.
  let audio: Pick<AudioOutcome, 'hls' | 'language'> | undefined = cache.audio;
  if (!audio && audioDone) {
    audio = cache.audio = JSON.parse(
      await storage.getText(childOf(work, PART.audioOutcome), signal),
    ) as AudioOutcome;
  }
  audio ??= JSON.parse(await storage.getText(childOf(work, PART.audioLive), signal)) as Pick<
    AudioOutcome,
    'hls' | 'language'
  >;
  return {
    chunks: Array.from({ length: chunks }, (_, i) => cache.chunks.get(i)!),
    audio: audio.hls ?? [],
    ...(audio.language ? { audioLanguage: audio.language } : {}),
  };
}

/** The PLAYABLE event, once; recorded as sent whatever became of it (it is not retried). */
export async function deliverPlayable(
  ctx: JobContext,
  record: JobRecord,
  signal?: AbortSignal,
): Promise<void> {
  const { deps, settings, log } = ctx;
  if (record.playable?.event !== 'pending' || !deps.notifier) return;
  try {
    const event = buildPlayableEvent(record, settings.eventsSource);
    const deliveries = await deps.notifier.deliver(event, webhookOf(record.request), signal);
    for (const d of deliveries) {
      log.info({ target: d.target, ok: d.ok, eventId: event.id }, 'playable event delivered');
    }
    await deps.ledger.transition(
      record.jobId,
      (current) => decidePlayableNotified(current, { now: deps.clock.now() }),
      { known: UNKNOWN_RECORD, ...(signal ? { signal } : {}) },
    );
  } catch (err) {
    log.warn({ err }, 'playable event not delivered');
  }
}

export async function putPlaylists(
  ctx: JobContext,
  output: S3Location,
  playlists: readonly { readonly key: string; readonly text: string }[],
  signal: AbortSignal,
): Promise<void> {
  // In order: the media playlists, then the master that names them.
  for (const p of playlists) {
    await ctx.deps.storage.putText(
      childOf(output, p.key),
      p.text,
      GROWING_PLAYLIST.contentType,
      signal,
      GROWING_PLAYLIST.cacheControl,
    );
  }
}

/** Lets go of the lock after a failed write, so the next task need not wait for it to expire. */
async function letGo(ctx: JobContext, fanoutId: number): Promise<void> {
  const { deps, settings } = ctx;
  await deps.ledger
    .transition(
      ctx.jobId,
      (current) =>
        decidePublished(current, {
          fanoutId,
          owner: settings.workerId,
          now: deps.clock.now(),
          chunks: 0,
          master: '',
          notify: false,
        }),
      { known: UNKNOWN_RECORD, signal: AbortSignal.timeout(10_000) },
    )
    .catch(() => undefined);
}

export function masterUri(output: S3Location): string {
  return formatS3Uri(childOf(output, layout.hlsMaster));
}

/**
 * A failed split job's outputs: the growing playlists, if any were published, end where they
 * stand (ENDLIST: players stop cleanly after the last listed segment) and keep what they list;
 * every other segment a chunk published is removed, so a job that never became playable leaves
 * nothing in its output prefix.
 */
export async function withdrawOutputs(
  ctx: JobContext,
  record: JobRecord & { fanout: Fanout },
  signal: AbortSignal,
): Promise<void> {
  const { output } = recordedJob(record);
  const { chunks, listed: parts } = await endPublication(ctx, record, 'failed', signal);
  // What the ended playlists list: the first chunks' segments, and the audio's as far as it
  // had published them (all of it, if it was done).
  const listed = new Set(
    [...(parts?.chunks ?? []).flat(), ...(parts?.audio ?? [])].flatMap((track) =>
      track.segments.map((s) => `hls/${track.name}/${s.uri}`),
    ),
  );
  const keep = (key: string) => chunks > 0 && (listed.has(key) || !isPublishedSegment(key));
  const removed = await ctx.deps.storage
    .removePrefix(childOf(output, 'hls/'), signal, (key) => keep(`hls/${key}`))
    .catch((err: unknown) => {
      ctx.log.warn({ err }, 'published segments of the failed job not removed');
      return 0;
    });
  ctx.log.info(
    { playlistsEnded: chunks > 0, chunks, removed },
    'outputs of the failed job withdrawn',
  );
}
