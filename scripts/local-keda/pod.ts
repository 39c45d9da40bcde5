import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { IMAGE_ENTRY_POINTS, IMAGE_ROOT } from '../../worker/src/contract/image.ts';
import type { ContainerSpec } from './manifests.ts';
import { signalGroup, stopGroup } from './pids.ts';

/** Bundles the image runs, by their path in the image, and the source each is built from. */
const SOURCES = new Map<string, string>(
  Object.values(IMAGE_ENTRY_POINTS).map((e) => [`${IMAGE_ROOT}/${e.bundle}`, e.source]),
);

export interface PodOptions {
  readonly name: string;
  readonly container: ContainerSpec;
  /** The repository: what the image holds at /app. */
  readonly root: string;
  /** Where the pod's emptyDir volumes live (`<podDir>/<volume>`); removed when the pod ends. */
  readonly podDir: string;
  /** Pod labels, for `metadata.labels['...']` field references. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Secret values by Secret name and key, for secretKeyRef. */
  readonly secrets?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Environment that points the container at local endpoints; applied last. */
  readonly overrides: Readonly<Record<string, string>>;
  /** Every line the container writes (stdout and stderr) is appended here. */
  readonly logFile: string;
  readonly onLine?: (line: string) => void;
}

export interface PodExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/**
 * One container of a pod, run as a local process group: the manifest's command with the
 * image's bundles mapped to their sources in the repository, its environment resolved as the kubelet would (values, the pod's
 * name and labels, Secrets), its volume mounts as directories of its own, and only PATH from
 * this machine's environment. Killing the pod kills its whole group, ffmpeg included, as a
 * container runtime would.
 */
export class LocalPod {
  readonly name: string;
  readonly startedAt = Date.now();
  readonly exited: Promise<PodExit>;
  readonly #child: ChildProcess;
  readonly #podDir: string;
  #exit: PodExit | undefined;
  #spawned = false;

  constructor(options: PodOptions) {
    this.name = options.name;
    this.#podDir = options.podDir;
    const env = resolveEnv(options);
    const { command, args } = resolveCommand(options.container, options.root, env);
    const log = createWriteStream(options.logFile, { flags: 'a' });
    this.#child = spawn(command[0]!, [...command.slice(1), ...args], {
      cwd: options.root,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The container has started (Kubernetes' Running phase) once its process exists.
    this.#child.once('spawn', () => (this.#spawned = true));
    for (const stream of [this.#child.stdout!, this.#child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        log.write(`${line}\n`);
        options.onLine?.(line);
      });
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        // The emptyDir goes with the pod; an orphan left in the group goes too.
        signalGroup(this.pid, 'SIGKILL');
        rmSync(this.#podDir, { recursive: true, force: true });
        log.end(() => resolve({ code, signal }));
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The pod's phase as the kubelet would report it. */
  get phase(): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
    if (this.#exit) return this.#exit.code === 0 ? 'Succeeded' : 'Failed';
    return this.#spawned ? 'Running' : 'Pending';
  }

  /** What Kubernetes does on deletion: SIGTERM, then SIGKILL after the grace period. */
  async terminate(graceSeconds: number): Promise<PodExit> {
    if (this.running) await stopGroup(this.pid, graceSeconds * 1000);
    return this.exited;
  }

  /** A node lost, an OOM kill: SIGKILL to every process of the pod at once. */
  kill(): void {
    if (this.running) signalGroup(this.pid, 'SIGKILL');
  }
}

export function resolveCommand(
  container: ContainerSpec,
  root: string,
  env: Readonly<Record<string, string>>,
): { command: string[]; args: string[] } {
  // $(VAR) is expanded by the kubelet from the container's environment; $$ escapes it.
  const expand = (s: string) =>
    s.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name?: string) =>
      name === undefined ? '$' : (env[name] ?? whole),
    );
  // An entry point of the image runs from its source; other /app paths are the repository's.
  const map = (s: string) => {
    const source = SOURCES.get(s);
    if (source) return join(root, source);
    return s === IMAGE_ROOT || s.startsWith(`${IMAGE_ROOT}/`)
      ? root + s.slice(IMAGE_ROOT.length)
      : s;
  };
  const [first, ...rest] = container.command.map(expand);
  // The image's node is this machine's Node 24.
  const command = [first === 'node' ? process.execPath : map(first!), ...rest.map(map)];
  return { command, args: container.args.map(expand).map(map) };
}

/** The container's environment as the kubelet resolves it, with volumes mapped and overrides. */
export function resolveEnv(options: PodOptions): Record<string, string> {
  const mounts = options.container.volumeMounts.map((m) => {
    const dir = join(options.podDir, m.name);
    mkdirSync(dir, { recursive: true });
    return { path: m.mountPath, dir };
  });
  const mapPath = (value: string) => {
    for (const m of mounts)
      if (value === m.path || value.startsWith(`${m.path}/`))
        return m.dir + value.slice(m.path.length);
    return value;
  };
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin' };
  for (const e of options.container.env) {
    if ('value' in e) env[e.name] = mapPath(e.value);
    else if ('fieldRef' in e) env[e.name] = fieldValue(e.fieldRef, options);
    else {
      const value = options.secrets?.[e.secretKeyRef.name]?.[e.secretKeyRef.key];
      if (value === undefined)
        throw new Error(
          `env ${e.name}: Secret ${e.secretKeyRef.name} has no key ${e.secretKeyRef.key} here`,
        );
      env[e.name] = value;
    }
  }
  return { ...env, ...options.overrides };
}

function fieldValue(path: string, options: PodOptions): string {
  if (path === 'metadata.name') return options.name;
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return options.labels?.[label[1]!] ?? '';
  throw new Error(`fieldRef ${path} is not supported by the local runner`);
}
