import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { JobRequest } from '../../contract/message.ts';
import { childOf, parseS3Uri, type S3Location } from '../../contract/s3-uri.ts';
import type { Fanout, JobRecord } from '../../record/job-record.ts';
import type { ChunkPlan } from '../../transcode/split/chunks.ts';
import { listOutputFiles } from '../../transcode/package/output-files.ts';
import {
  isInitSegment,
  isPublishedSegment,
  type PublishedTrack,
} from '../../transcode/progressive/tracks.ts';
import type { SourceInfo } from '../../transcode/source/source-info.ts';
import type { StoragePort } from './ports.ts';
import { checkFreeSpace, sourceExtension, type WorkDir } from './work-dir.ts';

/**
 * Where a split job keeps its parts, and how they move: everything under
 * `<WORK_URI><jobId>/`, one folder per split (`f<id>/`): the plan, each task's outputs, the
 * audio's outcome. Removed when the job ends either way.
 */
export interface SplitPlan {
  readonly version: 1;
  /** The source as the planner downloaded it: a task downloads that very version. */
  readonly source: { readonly bytes: number; readonly etag?: string };
  readonly probed: SourceInfo;
  readonly chunks: ChunkPlan;
  /** The chunks' pieces of the source (run-job.ts); a chunk without one reads the source. */
  readonly pieces?: readonly PlannedPiece[];
  /** The audio track's piece (run-job.ts); without one the audio reads the source. */
  readonly audioPiece?: PlannedAudioPiece;
}

/** The audio's piece: its key under the split's work prefix, its size, its timestamps' offset. */
export interface PlannedAudioPiece {
  readonly key: string;
  readonly bytes: number;
  readonly offsetSeconds: number;
}

/** A chunk's piece: its key under the split's work prefix, its size, where the chunk seeks in it. */
export interface PlannedPiece {
  readonly index: number;
  readonly key: string;
  readonly bytes: number;
  readonly seekSeconds: number;
}

export const PART = {
  plan: 'plan.json',
  audioOutcome: 'audio.json',
  /** What the audio has published while it encodes (Pick<AudioOutcome, 'hls' | 'language'>). */
  audioLive: 'audio-live.json',
  pieces: 'pieces/',
  /** What a chunk published of each rung (transcode/progressive.ts PublishedRung[]). */
  chunkTracks: (index: number) => `chunk-${index}.json`,
} as const;

export function jobWorkPrefix(workUri: S3Location, jobId: string): S3Location {
  return childOf(workUri, `${jobId}/`);
}

export function fanoutPrefix(workUri: S3Location, jobId: string, fanoutId: number): S3Location {
  return childOf(jobWorkPrefix(workUri, jobId), `f${fanoutId}/`);
}

/** The parsed output and request a split job's record carries (written by its claim). */
export function recordedJob(record: JobRecord & { fanout: Fanout }): {
  request: JobRequest;
  output: S3Location;
  work: S3Location;
} {
  const output = record.output ? parseS3Uri(record.output, { prefix: true }) : undefined;
  const work = parseS3Uri(record.fanout.work, { prefix: true });
  if (!output?.ok || !work.ok || typeof record.request !== 'object' || record.request === null) {
    throw new Error(`job ${record.jobId}: its record lacks the request or output`);
  }
  return { request: record.request as JobRequest, output: output.value, work: work.value };
}

export async function readPlan(
  storage: StoragePort,
  work: S3Location,
  signal: AbortSignal,
): Promise<SplitPlan> {
  return JSON.parse(await storage.getText(childOf(work, PART.plan), signal)) as SplitPlan;
}

/**
 * Uploads a task's outputs: its HLS segments (and, for the first chunk and the audio, the init
 * segments) to the job's output prefix, where they stay as they are (served, cached for good),
 * but those already there; everything else, inits included, to its part's prefix (never served).
 */
export async function uploadPart(
  storage: StoragePort,
  dir: string,
  to: {
    readonly part: S3Location;
    readonly output: S3Location;
    readonly publishInit: boolean;
    /** Already in the output prefix as it is (published while the task encoded). */
    readonly isPublished?: (relativeKey: string, size: number) => boolean;
  },
  signal: AbortSignal,
): Promise<{ readonly parts: number; readonly published: number }> {
  const files = await listOutputFiles(dir);
  const items = files.flatMap((f) => {
    const published = isPublishedSegment(f.relativeKey);
    const init = isInitSegment(f.relativeKey);
    const out = { path: f.path, contentType: f.contentType, cacheControl: f.cacheControl };
    const up = to.isPublished?.(f.relativeKey, f.size) ?? false;
    return [
      ...((published || (init && to.publishInit)) && !up
        ? [{ ...out, location: childOf(to.output, f.relativeKey) }]
        : []),
      ...(published
        ? []
        : [
            {
              path: f.path,
              location: childOf(to.part, f.relativeKey),
              contentType: 'application/octet-stream',
              cacheControl: 'no-store',
            },
          ]),
    ];
  });
  await storage.uploadAll(items, signal);
  const parts = items.filter((i) => i.cacheControl === 'no-store').length;
  return { parts, published: items.length - parts };
}

/**
 * The segments a part published (its tracks, as it recorded them), back into its directory
 * beside its playlists and inits (downloaded from its part's prefix): what the stitch needs to
 * measure and join the tracks.
 */
export async function downloadPublished(
  storage: StoragePort,
  output: S3Location,
  dir: string,
  tracks: readonly PublishedTrack[],
  signal: AbortSignal,
): Promise<number> {
  let count = 0;
  for (const track of tracks) {
    await mkdir(join(dir, 'hls', track.name), { recursive: true });
    for (const segment of track.segments) {
      const key = `hls/${track.name}/${segment.uri}`;
      if (!isPublishedSegment(key)) throw new Error(`unexpected segment in a part: ${key}`);
      await storage.download(childOf(output, key), join(dir, key), { size: segment.bytes }, signal);
      count++;
    }
  }
  return count;
}

/** Downloads every object under a prefix into a directory, keeping their relative paths. */
export async function downloadPrefix(
  storage: StoragePort,
  prefix: S3Location,
  dir: string,
  signal: AbortSignal,
): Promise<number> {
  const objects = await storage.list(prefix, signal);
  for (const o of objects) {
    const parts = o.relativeKey.split('/');
    if (parts.some((p) => p === '' || p === '.' || p === '..')) {
      throw new Error(`unexpected key under ${prefix.key}: ${o.relativeKey}`);
    }
    const path = join(dir, ...parts);
    await mkdir(dirname(path), { recursive: true });
    await storage.download(childOf(prefix, o.relativeKey), path, o, signal);
  }
  return objects.length;
}

/** The very source the planner probed (its ETag pinned), into a task's work directory. */
export async function downloadSource(
  storage: StoragePort,
  settings: { readonly outputSizeFactor: number },
  input: S3Location,
  plan: SplitPlan,
  dir: WorkDir,
  signal: AbortSignal,
): Promise<string> {
  await checkFreeSpace(dir.root, plan.source.bytes, settings.outputSizeFactor);
  const path = dir.sourcePath(sourceExtension(input.key));
  await storage.download(
    input,
    path,
    { size: plan.source.bytes, ...(plan.source.etag ? { etag: plan.source.etag } : {}) },
    signal,
  );
  return path;
}

/** A piece of the source (plan.pieces, plan.audioPiece), into a task's work directory. */
export async function downloadPiece(
  storage: StoragePort,
  settings: { readonly outputSizeFactor: number },
  work: S3Location,
  piece: Pick<PlannedPiece, 'key' | 'bytes'>,
  dir: WorkDir,
  signal: AbortSignal,
): Promise<string> {
  await checkFreeSpace(dir.root, piece.bytes, settings.outputSizeFactor);
  const path = dir.sourcePath(sourceExtension(piece.key));
  await storage.download(childOf(work, piece.key), path, { size: piece.bytes }, signal);
  return path;
}
