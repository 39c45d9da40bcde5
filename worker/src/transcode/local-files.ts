import { open, readdir, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { inspectIsoBmff, type IsoBmffSummary } from './iso-bmff.ts';
import { outputFileKind } from './output-layout.ts';

/** One file the transcode wrote, with what S3 should serve it as. */
export interface OutputFile {
  readonly relativeKey: string;
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  readonly cacheControl: string;
}

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
export async function inspectFile(path: string): Promise<IsoBmffSummary | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await inspectIsoBmff({
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
