import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { JobRequest } from '../contract/message.ts';
import { childOf, type S3Location } from '../contract/s3-uri.ts';
import type { Fanout, JobRecord } from '../record/job-record.ts';
import { decideAudioPublished, decideLivePlayable } from '../record/publication.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import type { AudioOutcome } from '../transcode/audio.ts';
import { layout } from '../transcode/ladder/layout.ts';
import { outputFileKind } from '../transcode/package/output-files.ts';
import { growingPlaylists } from '../transcode/progressive/tracks.ts';
import type { LiveTracks } from '../transcode/progressive/watch.ts';
import { chunksWithin, type ChunkPlan } from '../transcode/split/chunks.ts';
import type { JobContext } from './base/context.ts';
import type { UploadItem } from './base/ports.ts';
import { shouldNotify } from './base/notify.ts';
import { PART, recordedJob } from './base/split-work.ts';
import { deliverPlayable, masterUri, publishProgress, putPlaylists } from './publish.ts';

/**
 * A single Job's HLS published while ffmpeg writes it: each segment (and each track's init
 * segment) goes to its final key as soon as ffmpeg lists it, under the long cache it keeps; then
 * the playlists over what is up, type EVENT with a short cache, and the master over them; the
 * first time, the job is PLAYABLE and its event goes out. At the end the run's own upload skips
 * what is already up and writes the VOD playlists over the growing ones; if the run fails, the
 * growing playlists end where they stand (ENDLIST), so that a player stops cleanly.
 * Best effort: what fails here is logged and left to the final upload; the job's outcome never
 * depends on it.
 */
export interface LivePublisher {
  readonly onTracks: (tracks: LiveTracks) => Promise<void>;
  readonly onWatchError: (err: unknown) => void;
  /** The file is in the output prefix as the run wrote it (the final upload skips it). */
  readonly isPublished: (relativeKey: string, size: number) => boolean;
  /**
   * The run failed: the playlists, if any were written, end where they stand; segments no
   * playlist lists are removed.
   */
  readonly fail: (signal: AbortSignal) => Promise<void>;
}

export function livePublisher(
  ctx: JobContext,
  p: { readonly request: JobRequest; readonly output: S3Location; readonly outDir: string },
  signal: AbortSignal,
): LivePublisher | undefined {
  if (!p.request.formats.includes('hls')) return undefined;
  const { deps, settings, jobId, log } = ctx;
  const uploader = segmentUploader(ctx, p.outDir, p.output, signal);
  const uploaded = uploader.uploaded;
  let listed: LiveTracks | undefined;
  let playable = false;

  return {
    onTracks: async (tracks) => {
      if (!(await uploader.upload(tracks))) return;
      await putPlaylists(
        ctx,
        p.output,
        growingPlaylists({ ...asParts(tracks), ended: false }),
        signal,
      );
      listed = tracks;
      if (playable) return;
      const master = masterUri(p.output);
      const release = await deps.ledger.transition(
        jobId,
        (current) =>
          decideLivePlayable(current, {
            owner: settings.workerId,
            now: deps.clock.now(),
            master,
            notify: shouldNotify(deps, p.request),
          }),
        { known: UNKNOWN_RECORD, signal },
      );
      playable = true;
      if (release.kind !== 'released') return;
      log.info({ master, segments: tracks.rungs[0]?.segments.length }, 'job playable');
      await deliverPlayable(ctx, release.record, signal);
    },
    onWatchError: (err) =>
      log.warn({ err }, 'segments not published while encoding; the upload at the end will'),
    isPublished: uploader.isPublished,
    fail: async (failSignal) => {
      try {
        if (listed) {
          const ended = growingPlaylists({ ...asParts(listed), ended: true }).filter(
            (pl) => pl.key !== layout.hlsMaster,
          );
          await putPlaylists(ctx, p.output, ended, failSignal);
          log.info('published playlists of the failed run ended');
        } else if (uploaded.size > 0) {
          await deps.storage.removePrefix(
            childOf(p.output, 'hls/'),
            failSignal,
            (key) => !uploaded.has(`hls/${key}`),
          );
        }
      } catch (err) {
        log.warn({ err }, 'published outputs of the failed run not withdrawn');
      }
    },
  };
}

/**
 * A split job's audio published while it encodes: its segments go to their final keys as ffmpeg
 * lists them; what is listed goes to the split's parts (PART.audioLive) for whoever writes the
 * growing playlists, and into the record, how many chunks from the first it now covers
 * (record/publication.ts), so that those chunks are listed without waiting for the whole audio;
 * then the growing playlists are written (publish.ts), if a chunk was waiting for it. Stops once
 * the job has ended. Best effort, as publishing is: the task's own upload does what this missed.
 */
export function liveAudioPublisher(
  ctx: JobContext,
  p: {
    readonly record: JobRecord & { fanout: Fanout };
    readonly chunks: ChunkPlan;
    readonly outDir: string;
  },
  signal: AbortSignal,
): Omit<LivePublisher, 'fail'> | undefined {
  const { request, output, work } = recordedJob(p.record);
  if (!request.formats.includes('hls')) return undefined;
  const { deps, jobId, log } = ctx;
  const uploader = segmentUploader(ctx, p.outDir, output, signal);
  const fanoutId = p.record.fanout.id;
  let covered = 0;
  let ended = false;
  return {
    onTracks: async (tracks) => {
      if (ended) return;
      await uploader.upload(tracks);
      const reach = Math.min(
        ...tracks.audio.map((t) => t.segments.reduce((sum, s) => sum + s.durationSeconds, 0)),
      );
      const chunks = chunksWithin(p.chunks, reach);
      if (chunks <= covered) return;
      const live: Pick<AudioOutcome, 'hls' | 'language'> = {
        hls: tracks.audio,
        ...(tracks.audioLanguage ? { language: tracks.audioLanguage } : {}),
      };
      await deps.storage.putText(
        childOf(work, PART.audioLive),
        JSON.stringify(live),
        'application/json',
        signal,
      );
      const progress = await deps.ledger.transition(
        jobId,
        (current) => decideAudioPublished(current, { fanoutId, now: deps.clock.now(), chunks }),
        { known: UNKNOWN_RECORD, signal },
      );
      if (progress.kind === 'ended') {
        ended = true;
        return;
      }
      covered = chunks;
      log.info({ chunks, seconds: reach }, 'audio published while it encodes');
      if (progress.more) await publishProgress(ctx, progress.record, signal);
    },
    onWatchError: (err) =>
      log.warn({ err }, 'audio not published while encoding; its upload at the end will'),
    isPublished: uploader.isPublished,
  };
}

/**
 * Uploads the segments and init segments of tracks ffmpeg has listed to their final keys, each
 * once, and remembers what is up (by size: a segment never changes once listed, nor an init
 * segment once its first segment is).
 */
function segmentUploader(
  ctx: JobContext,
  outDir: string,
  output: S3Location,
  signal: AbortSignal,
): {
  readonly uploaded: ReadonlyMap<string, number>;
  readonly upload: (tracks: LiveTracks) => Promise<boolean>;
  readonly isPublished: (relativeKey: string, size: number) => boolean;
} {
  const uploaded = new Map<string, number>();
  return {
    uploaded,
    upload: async (tracks) => {
      const items: (UploadItem & { key: string; size: number })[] = [];
      for (const track of [...tracks.rungs, ...tracks.audio]) {
        const dir = layout.hlsDir(track.name);
        const files = [
          { uri: track.initUri, bytes: undefined as number | undefined },
          ...track.segments.map((s) => ({ uri: s.uri, bytes: s.bytes })),
        ];
        for (const f of files) {
          const key = `${dir}/${f.uri}`;
          if (uploaded.has(key)) continue;
          const path = join(outDir, key);
          items.push({
            key,
            size: f.bytes ?? (await stat(path)).size,
            path,
            location: childOf(output, key),
            ...outputFileKind(key),
          });
        }
      }
      if (items.length === 0) return false;
      await ctx.deps.storage.uploadAll(items, signal);
      for (const item of items) uploaded.set(item.key, item.size);
      return true;
    },
    isPublished: (key, size) => uploaded.get(key) === size,
  };
}

function asParts(tracks: LiveTracks) {
  return {
    chunks: [tracks.rungs],
    audio: tracks.audio,
    ...(tracks.audioLanguage ? { audioLanguage: tracks.audioLanguage } : {}),
  };
}
