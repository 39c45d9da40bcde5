import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './env.ts';

/**
 * The worker as a pod runs it: its own process group (so a kill takes ffmpeg with it, as a
 * container runtime does), its environment only, its log to a file.
 */
export function spawnWorker(
  env: Record<string, string>,
  logFile: string,
  options: { entry?: string; cwd?: string } = {},
) {
  const child = spawn(process.execPath, [options.entry ?? join(ROOT, 'worker', 'src', 'main.ts')], {
    cwd: options.cwd ?? ROOT,
    env: { PATH: process.env.PATH, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile, { flags: 'a' });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    pid: child.pid!,
    exited,
    /** SIGKILL to the whole group: the node process and its ffmpeg. */
    killGroup: () => process.kill(-child.pid!, 'SIGKILL'),
  };
}
