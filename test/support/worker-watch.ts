import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';
import type { JobRecord } from '../../worker/src/record/job-record.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import type { TestEnv } from './env.ts';

/**
 * What the worker tests watch a worker do: the playlists it writes as it writes them, what it
 * downloads, whether its ffmpeg is running; and workers run one after another until a job ends.
 */

const run = promisify(execFile);

type Storage = WorkerDeps['storage'];

/** The storage with one method wrapped (given the original, bound); every other as it is. */
function intercept<K extends keyof Storage>(
  storage: Storage,
  method: K,
  wrap: (original: Storage[K]) => Storage[K],
): Storage {
  const wrapped = wrap(
    (storage[method] as (...a: unknown[]) => unknown).bind(storage) as Storage[K],
  );
  return new Proxy(storage, {
    get(target, prop) {
      if (prop === method) return wrapped;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? (value as () => unknown).bind(target) : value;
    },
  });
}

/** A playlist as a worker wrote it, and whether every segment it lists was there by then. */
export interface PlaylistWrite {
  readonly key: string;
  readonly text: string;
  readonly cacheControl?: string;
  readonly missing: readonly string[];
  /** What `during` said when it was written (whether the worker's ffmpeg was still running). */
  readonly during?: boolean;
}

/** The storage, noting every playlist written with putText (the growing ones) as it is written. */
export function watchPlaylists(
  env: TestEnv,
  storage: WorkerDeps['storage'],
  writes: PlaylistWrite[],
  during?: () => boolean,
): WorkerDeps['storage'] {
  return intercept(storage, 'putText', (putText) => async (...args) => {
    const [location, text, , , cacheControl] = args;
    const running = during?.();
    if (location.key.endsWith('.m3u8')) {
      const dir = location.key.slice(0, location.key.lastIndexOf('/') + 1);
      const present = new Set((await env.listOutputs(dir)).map((o) => o.key));
      const missing = location.key.endsWith('master.m3u8')
        ? []
        : parseMediaPlaylist(text)
            .segments.map((s) => dir + s.uri)
            .filter((k) => !present.has(k));
      writes.push({
        key: location.key,
        text,
        ...(cacheControl ? { cacheControl } : {}),
        missing,
        ...(running === undefined ? {} : { during: running }),
      });
    }
    return putText(...args);
  });
}

/** The storage, noting the key of every file a worker uploads (uploadAll), in order. */
export function watchUploads(
  storage: WorkerDeps['storage'],
  keys: string[],
): WorkerDeps['storage'] {
  return intercept(storage, 'uploadAll', (uploadAll) => (...args) => {
    keys.push(...args[0].map((item) => item.location.key));
    return uploadAll(...args);
  });
}

/** Runs workers one after another, as KEDA starts Jobs, until the job ends; their outcomes. */
export async function workInProcess(
  env: TestEnv,
  jobId: string,
  extra: Record<string, string>,
  overrides?: (deps: WorkerDeps) => Partial<WorkerDeps>,
): Promise<{ record: JobRecord; outcomes: string[] }> {
  const outcomes: string[] = [];
  for (let i = 0; i < 40; i++) {
    const out = await env.runWorker(extra, overrides);
    outcomes.push(out.kind === 'handled' ? out.outcome : out.kind);
    const record = await env.record(jobId);
    if (record?.status === 'SUCCEEDED' || record?.status === 'FAILED') return { record, outcomes };
  }
  throw new Error(`${jobId} did not finish: ${outcomes.join(', ')}`);
}

/** The storage, noting the key of every object a worker downloads. */
export function watchDownloads(
  storage: WorkerDeps['storage'],
  keys: string[],
): WorkerDeps['storage'] {
  return intercept(storage, 'download', (download) => (...args) => {
    keys.push(args[0].key);
    return download(...args);
  });
}

export async function download(env: TestEnv, prefix: string, dir: string): Promise<string[]> {
  const keys = (await env.listOutputs(prefix)).map((o) => o.key.slice(prefix.length));
  for (const key of keys) {
    const path = join(dir, ...key.split('/'));
    await run('mkdir', ['-p', join(path, '..')]);
    writeFileSync(path, (await env.getObject(prefix + key)).body);
  }
  return keys;
}

export function ffmpegUnder(dir: string, marker: string): boolean {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .some((p) => {
      try {
        const argv = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const cmd = argv.join(' ');
        // `ffmpeg`, or the image's by its path (the image CI runs these tests on it).
        return basename(argv[0] ?? '') === 'ffmpeg' && cmd.includes(dir) && cmd.includes(marker);
      } catch {
        return false;
      }
    });
}

export async function until(what: string, check: () => Promise<boolean> | boolean, ms = 120_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
