import { mkdir, rm, statfs } from 'node:fs/promises';
import { join } from 'node:path';
import { InsufficientStorageError } from '../../base/errors.ts';

/** Room kept free beyond the estimate, for ffmpeg's temporary files and the playlists. */
const HEADROOM_BYTES = 64 * 1024 * 1024;

export interface WorkDir {
  readonly root: string;
  readonly outDir: string;
  sourcePath(extension: string): string;
  remove(): Promise<void>;
}

/** A fresh directory for one job under the work volume (an emptyDir in Kubernetes). */
export async function createWorkDir(base: string, jobId: string): Promise<WorkDir> {
  const root = join(base, jobId);
  await rm(root, { recursive: true, force: true });
  const outDir = join(root, 'out');
  await mkdir(outDir, { recursive: true });
  return {
    root,
    outDir,
    sourcePath: (extension) => join(root, `source${extension}`),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Refuses a source that will not fit: the source plus `outputFactor` times its size for the
 * renditions. Permanent when even an empty volume is too small, transient otherwise (another
 * job on the node may be holding the space).
 */
export async function checkFreeSpace(
  dir: string,
  sourceBytes: number,
  outputFactor: number,
): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const total = fs.blocks * fs.bsize;
  const needed = Math.ceil(sourceBytes * (1 + outputFactor)) + HEADROOM_BYTES;
  if (needed > total) {
    throw new InsufficientStorageError(
      `the job needs about ${mib(needed)} of work space (source ${mib(sourceBytes)} plus renditions); the work volume holds ${mib(total)}`,
      { retryable: false },
    );
  }
  if (needed > free) {
    throw new InsufficientStorageError(
      `the job needs about ${mib(needed)} of work space; only ${mib(free)} is free now`,
      { retryable: true },
    );
  }
}

const MEDIA_EXTENSIONS = new Set([
  'mp4',
  'm4v',
  'mov',
  'mkv',
  'webm',
  'avi',
  'ts',
  'mts',
  'm2ts',
  'mpg',
  'mpeg',
  'flv',
  'wmv',
  '3gp',
  'mxf',
  'ogv',
]);

/**
 * The source key's extension when it is a known video container (it helps ffprobe's guess),
 * else none: ffmpeg must never pick a playlist or image-sequence reader from a file name.
 */
export function sourceExtension(key: string): string {
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(key)?.[1]?.toLowerCase();
  return ext && MEDIA_EXTENSIONS.has(ext) ? `.${ext}` : '';
}

function mib(bytes: number): string {
  return `${Math.ceil(bytes / (1024 * 1024))} MiB`;
}
