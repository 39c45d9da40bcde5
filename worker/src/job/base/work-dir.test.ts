import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InsufficientStorageError } from '../../base/errors.ts';
import { checkFreeSpace, createWorkDir, sourceExtension } from './work-dir.ts';

describe('work directory', () => {
  const base = mkdtempSync(join(tmpdir(), 'workdir-'));

  it('creates a fresh directory per job and removes it', async () => {
    const dir = await createWorkDir(base, 'job-1');
    expect(existsSync(dir.outDir)).toBe(true);
    expect(dir.sourcePath('.mp4')).toBe(join(base, 'job-1', 'source.mp4'));
    await dir.remove();
    expect(existsSync(dir.root)).toBe(false);
  });

  it('refuses, permanently, a source that could never fit on the volume', async () => {
    const petabyte = 1024 ** 5;
    const err = await checkFreeSpace(base, petabyte, 1.5).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InsufficientStorageError);
    expect((err as InsufficientStorageError).retryable).toBe(false);
    expect((err as Error).message).toMatch(/the work volume holds/);
    await expect(checkFreeSpace(base, 1024, 1.5)).resolves.toBeUndefined();
  });

  it('keeps only known video extensions for the downloaded source', () => {
    expect(sourceExtension('in/Holiday.MOV')).toBe('.mov');
    expect(sourceExtension('in/list.m3u8')).toBe('');
    expect(sourceExtension('in/frames-%03d.png')).toBe('');
    expect(sourceExtension('in/no-extension')).toBe('');
  });
});
