import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** One file the transcode wrote, with what S3 should serve it as. */
export interface OutputFile {
  readonly relativeKey: string;
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  readonly cacheControl: string;
}

export async function listOutputFiles(outDir: string): Promise<OutputFile[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  const files: OutputFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const relativeKey = relative(outDir, path).split('\\').join('/');
    const { size } = await stat(path);
    files.push({ relativeKey, path, size, ...outputFileKind(relativeKey) });
  }
  return files.sort((a, b) => a.relativeKey.localeCompare(b.relativeKey));
}

/** Content-Type and Cache-Control for every file the ladder writes, by its name. */
export interface OutputFileKind {
  readonly contentType: string;
  readonly cacheControl: string;
}

// Playlists may be rewritten if a job is re-run; segments and renditions never change under
// the same key within a job, so caches (CloudFront) can keep them for a year.
const SHORT = 'public, max-age=60';

const LONG = 'public, max-age=31536000, immutable';

/**
 * A playlist that grows while its job runs (a split job's EVENT playlists): caches keep it a
 * moment, under half a segment, so a player reloading it sees each chunk as it is published.
 */
export const GROWING_PLAYLIST = {
  contentType: 'application/vnd.apple.mpegurl',
  cacheControl: 'public, max-age=1',
} as const;

export function outputFileKind(relativeKey: string): OutputFileKind {
  const ext = relativeKey.slice(relativeKey.lastIndexOf('.') + 1).toLowerCase();
  switch (ext) {
    case 'm3u8':
      return { contentType: 'application/vnd.apple.mpegurl', cacheControl: SHORT };
    case 'm4s':
      return { contentType: 'video/iso.segment', cacheControl: LONG };
    case 'mp4':
      return { contentType: 'video/mp4', cacheControl: LONG };
    case 'jpg':
    case 'jpeg':
      return { contentType: 'image/jpeg', cacheControl: LONG };
    case 'vtt':
      return { contentType: 'text/vtt', cacheControl: SHORT };
    case 'mpd':
      return { contentType: 'application/dash+xml', cacheControl: SHORT };
    case 'json':
      return { contentType: 'application/json', cacheControl: SHORT };
    default:
      return { contentType: 'application/octet-stream', cacheControl: SHORT };
  }
}
