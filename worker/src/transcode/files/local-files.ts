import { cp, open, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import {
  initTimescale,
  inspectIsoBmff,
  readFragmentTiming,
  readMoov,
  videoCodecConfig,
  type BoxReader,
  type CodecConfig,
  type FragmentTiming,
  type IsoBmffSummary,
} from './iso-bmff.ts';

/** The local files a job reads and writes: sizes, heads, copies, and their ISO-BMFF boxes. */

export async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

export async function emptyDirectory(dir: string): Promise<void> {
  for (const entry of await readdir(dir))
    await rm(join(dir, entry), { recursive: true, force: true });
}

/** The ISO-BMFF structure of a local file (undefined for other containers). */
export function inspectFile(path: string): Promise<IsoBmffSummary | undefined> {
  return withBoxReader(path, inspectIsoBmff);
}

/** A CMAF media segment's start and duration, from its `moof` boxes (iso-bmff.ts). */
export function segmentTiming(path: string): Promise<FragmentTiming | undefined> {
  return withBoxReader(path, readFragmentTiming);
}

/**
 * The first video track's configuration record (`avcC`, `hvcC`, `av1C`) of an init segment or an
 * MP4 whose `moov` comes first.
 */
export function readCodecConfig(path: string): Promise<CodecConfig | undefined> {
  return withBoxReader(path, async (reader) => {
    const moov = await readMoov(reader);
    return moov ? videoCodecConfig(moov) : undefined;
  });
}

/** The media timescale of an init segment's track. */
export async function initSegmentTimescale(path: string): Promise<number | undefined> {
  return initTimescale(await readFile(path));
}

async function withBoxReader<T>(path: string, use: (reader: BoxReader) => Promise<T>): Promise<T> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await use({
      size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await file.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await file.close();
  }
}

export async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}

/** Copies a directory's files into another, merging; a missing directory copies nothing. */
export async function copyTree(from: string, to: string): Promise<void> {
  try {
    await cp(from, to, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
