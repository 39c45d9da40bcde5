import { spawn } from 'node:child_process';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { localClients, workerEnvironment, type StackEndpoints } from '../local-stack/index.ts';
import { provision } from '../local-stack/provision.ts';
import { NODE_BUNDLE_OPTIONS } from '../build/bundle-options.ts';
import { median } from './measure.ts';

export interface ColdStartResult {
  readonly runs: number;
  /** `node -e 0`: spawn to exit (median, ms). */
  readonly bareNodeMs: number;
  /** Spawn to the first ReceiveMessage reaching SQS, per entry point (median, ms). */
  readonly entries: readonly {
    readonly entry: string;
    readonly firstReceiveMs: number;
    /** Median of the per-pair ratios to the bare start. Target: at most 3. */
    readonly ratio: number;
    /** Median of the per-run ratios to the SDK floor (the SQS client alone, bundled). */
    readonly ratioToFloor?: number;
  }[];
}

/**
 * Cold start: from spawning the worker to its first ReceiveMessage arriving at SQS (a recording
 * proxy in front of the emulator, on loopback), against spawning `node -e 0` to its exit, run
 * in alternating pairs so both see the same machine. The worker is killed once it has asked.
 */
export async function benchColdStart(
  stack: StackEndpoints,
  options: {
    runs: number;
    entries: readonly { name: string; path: string }[];
    /** The SDK floor's bundle (scripts/bench/sdk-floor.ts), timed beside the entries. */
    floor?: string;
  },
): Promise<ColdStartResult> {
  const clients = localClients(stack);
  const resources = await provision(clients, { prefix: `bench-cold-${process.pid}` });
  for (const c of Object.values(clients)) c.destroy();
  const proxy = await recordingProxy(stack.sqsEndpoint);
  try {
    const env = {
      PATH: process.env.PATH,
      ...workerEnvironment({ ...stack, sqsEndpoint: proxy.url }, resources, {
        RECEIVE_WAIT_SECONDS: '1',
        IDLE_TIMEOUT_SECONDS: '1',
        LOG_LEVEL: 'warn',
        WORK_DIR: '/tmp/keda-transcoder-bench-cold',
      }),
    };
    // One untimed start of each first, so every timed start finds the files in the page cache.
    const entries = [
      ...options.entries,
      ...(options.floor ? [{ name: 'SDK floor', path: options.floor }] : []),
    ];
    await bareNode();
    for (const e of entries) await firstReceive(e.path, env, proxy);

    const bare: number[] = [];
    const ms = entries.map(() => [] as number[]);
    for (let i = 0; i < options.runs; i++) {
      bare.push(await bareNode());
      for (const [j, e] of entries.entries()) ms[j]!.push(await firstReceive(e.path, env, proxy));
    }
    const floor = options.floor ? ms[entries.length - 1] : undefined;
    return {
      runs: options.runs,
      bareNodeMs: round(median(bare)),
      entries: entries.map((e, j) => ({
        entry: e.name,
        firstReceiveMs: round(median(ms[j]!)),
        ratio: round(median(ms[j]!.map((m, i) => m / bare[i]!)), 100),
        ...(floor ? { ratioToFloor: round(median(ms[j]!.map((m, i) => m / floor[i]!)), 100) } : {}),
      })),
    };
  } finally {
    await proxy.close();
  }
}

/** Bundles the SDK floor as the worker is bundled (esbuild, ES module, minified, for Node 24). */
export async function bundleSdkFloor(outdir: string): Promise<string> {
  const { build } = await import('esbuild');
  const outfile = join(outdir, 'sdk-floor.mjs');
  await build({
    ...NODE_BUNDLE_OPTIONS,
    entryPoints: [join(import.meta.dirname, 'sdk-floor.ts')],
    outfile,
  });
  return outfile;
}

function bareNode(): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['-e', '0'], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

async function firstReceive(
  entry: string,
  env: Record<string, string | undefined>,
  proxy: RecordingProxy,
): Promise<number> {
  const started = performance.now();
  const seen = proxy.nextReceive();
  const child = spawn(process.execPath, [entry], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`worker exited (${code}) before receiving: ${stderr.slice(-500)}`)),
    ),
  );
  try {
    const at = await Promise.race([seen, exited]);
    return at - started;
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(undefined)));
  }
}

interface RecordingProxy {
  readonly url: string;
  /** Resolves with performance.now() when the next ReceiveMessage request arrives. */
  nextReceive(): Promise<number>;
  close(): Promise<void>;
}

/** Forwards every request to SQS and notes when a ReceiveMessage arrives. */
async function recordingProxy(target: string): Promise<RecordingProxy> {
  const upstream = new URL(target);
  let waiter: ((at: number) => void) | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (String(req.headers['x-amz-target'] ?? '').endsWith('.ReceiveMessage')) {
      const at = performance.now();
      waiter?.(at);
      waiter = undefined;
    }
    const out = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    out.on('error', () => res.destroy());
    req.pipe(out);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    nextReceive: () => new Promise<number>((resolve) => (waiter = resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const round = (n: number, scale = 10) => Math.round(n * scale) / scale;
