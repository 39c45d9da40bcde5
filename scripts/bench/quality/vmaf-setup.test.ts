import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  findVmafFfmpeg,
  hasLibvmaf,
  pipDownloadArgv,
  setupVmaf,
  sha256File,
  unzipArgv,
  VMAF_WHEEL,
} from './vmaf-setup.ts';

describe('the VMAF meter set-up', () => {
  it('asks pip for exactly the pinned wheel, and unzip for the binary alone', () => {
    const argv = pipDownloadArgv('/d');
    expect(argv.slice(0, 3)).toEqual(['-m', 'pip', 'download']);
    expect(argv).toContain('--no-deps');
    expect(argv).toContain('--only-binary=:all:');
    expect(argv.at(-1)).toBe('imageio-ffmpeg==0.6.0');
    expect(argv.slice(argv.indexOf('--platform'), argv.indexOf('--platform') + 2)).toEqual([
      '--platform',
      'manylinux2014_x86_64',
    ]);
    expect(unzipArgv('/w.whl', '/x')).toEqual([
      ...['-o', '-j', '-q', '/w.whl'],
      'imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v7.0.2',
      ...['-d', '/x'],
    ]);
  });

  it("finds libvmaf in ffmpeg's filter list, and not vmafmotion for it", () => {
    const listed =
      ' ... libvmaf           VV->V      Calculate the VMAF between two video streams.\n';
    const motionOnly = ' ... vmafmotion        V->V       Calculate the VMAF Motion score.\n';
    expect(hasLibvmaf(` TS. psnr              VV->V      PSNR.\n${listed}`)).toBe(true);
    expect(hasLibvmaf(motionOnly)).toBe(false);
  });

  it('refuses a wheel whose sha256 is not the pinned one, before extracting anything', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vmaf-setup-'));
    const wheel = join(root, VMAF_WHEEL.file);
    writeFileSync(wheel, 'not the wheel');
    const sha = await sha256File(wheel);
    expect(sha).toMatch(/^[0-9a-f]{64}$/);
    await expect(setupVmaf({ root, wheel })).rejects.toThrow(
      new RegExp(`sha256 ${sha}, not the pinned ${VMAF_WHEEL.sha256}.*npm run bench:setup`),
    );
    expect(await findVmafFfmpeg(root)).toEqual({
      missing: `no ${join(root, '.local', 'vmaf', 'ffmpeg')}`,
    });
  });

  it('says where to get the wheel when the copy named is not there', async () => {
    const root = mkdtempSync(join(tmpdir(), 'vmaf-setup-'));
    await expect(setupVmaf({ root, wheel: join(root, 'gone.whl') })).rejects.toThrow(
      /no wheel at .*gone\.whl: pass --wheel .*pip download --no-deps imageio-ffmpeg==0\.6\.0/,
    );
  });
});
