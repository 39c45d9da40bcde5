import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * The built image, run the way Kubernetes runs it, through podman. KT_IMAGE names the image
 * (required: the image project fails without it rather than skipping). KT_PODMAN is the podman
 * command with its global flags (CI: vfs storage shared with buildah, runc, cgroupfs) and
 * KT_PODMAN_RUN extra `run` flags the machine needs (CI: ulimits it may not raise).
 */
export function imageUnderTest(): string {
  const image = process.env.KT_IMAGE;
  if (!image) {
    throw new Error(
      'KT_IMAGE must name the image to test (scripts/image/ci.sh builds one and sets it)',
    );
  }
  return image;
}

const words = (s: string | undefined): string[] => (s ?? '').split(/\s+/).filter(Boolean);
const PODMAN = words(process.env.KT_PODMAN ?? 'podman');
const RUN_EXTRA = words(process.env.KT_PODMAN_RUN);

export async function podman(args: readonly string[]): Promise<string> {
  const { stdout } = await exec(PODMAN[0]!, [...PODMAN.slice(1), ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

export interface ContainerRun {
  readonly name: string;
  readonly env: Record<string, string>;
  /** The container command; the image's CMD (the worker) when absent. */
  readonly command?: readonly string[];
}

/**
 * What the manifests ask of the runtime: the image's own user (no --user), a read-only root,
 * writable emptyDirs only at /tmp and the work directory (owned by the pod's fsGroup, as `U`
 * makes them), no capabilities, no privilege escalation, and the host's loopback network, on
 * which the local stack listens.
 */
function runArgs(run: ContainerRun): string[] {
  const envArgs = Object.entries(run.env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  return [
    '--name',
    run.name,
    '--network',
    'host',
    '--read-only',
    '--read-only-tmpfs=false',
    '--tmpfs',
    '/tmp:rw,U',
    '--tmpfs',
    '/work:rw,U',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...RUN_EXTRA,
    ...envArgs,
    imageUnderTest(),
    ...(run.command ?? []),
  ];
}

export interface Finished {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a container in the foreground to its end (removing it afterwards). */
export function runContainer(run: ContainerRun): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(PODMAN[0]!, [...PODMAN.slice(1), 'run', '--rm', ...runArgs(run)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Starts a container in the background; the caller waits for it and removes it. */
export async function startContainer(run: ContainerRun): Promise<string> {
  return (await podman(['run', '--detach', ...runArgs(run)])).trim();
}

/** Waits for a container to stop; its exit code. */
export async function waitContainer(name: string): Promise<number> {
  return Number((await podman(['wait', name])).trim());
}

export async function removeContainer(name: string): Promise<void> {
  await podman(['rm', '--force', '--time', '0', name]).catch(() => undefined);
}

export async function containerLogs(name: string): Promise<string> {
  return podman(['logs', name]);
}
