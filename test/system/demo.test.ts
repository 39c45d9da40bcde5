import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/env.ts';

const DEMO = join(ROOT, 'scripts', 'demo.ts');

/** `npm start` as a person runs it: a process, its output, its exit. */
function start(stateDir: string, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      DEMO,
      '--samples',
      '1',
      '--seconds',
      '2',
      '--height',
      '360',
      '--port',
      '0',
      '--state-dir',
      stateDir,
      ...extra,
    ],
    { cwd: ROOT, env: { PATH: process.env.PATH }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const waitFor = async (text: string, timeoutMs = 120_000) => {
    const deadline = Date.now() + timeoutMs;
    while (!out.includes(text)) {
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`no "${text}" in the output:\n${out}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  return { child, exited, waitFor, output: () => out };
}

/** Every PID the run recorded: the stack's servers, the API and worker pods. */
function recordedPids(stateDir: string): number[] {
  const read = (file: string) => {
    try {
      return (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }[]).map((e) => e.pid);
    } catch {
      return [];
    }
  };
  return [...read(join(stateDir, 'stack', 'pids.json')), ...read(join(stateDir, 'pids.json'))];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

async function gone(pids: number[], timeoutMs = 15_000): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return pids.filter(alive);
}

describe('npm start (the one-command local run)', () => {
  it('runs a sample end to end and exits 0 with a summary (--exit)', async () => {
    const stateDir = join(ROOT, '.local', 'test-demo', 'smoke');
    const run = start(stateDir, ['--exit']);
    expect(await run.exited, run.output()).toBe(0);
    const out = run.output();
    expect(out).toMatch(/ScaledJob {7}keda-transcoder-worker: polls every 2 s, up to 2 workers/);
    expect(out).toMatch(/camera-360p-2s\.mp4 {2}SUCCEEDED/);
    expect(out).toMatch(/360p +640x360/);
    expect(out).toMatch(/stats {11}succeeded 1, failed 0, retries 0, running 0; queue 0, DLQ 0/);
    expect(await gone(recordedPids(stateDir))).toEqual([]);
  });

  it('cleans up after a killed run, and Ctrl-C stops everything it started', async () => {
    const stateDir = join(ROOT, '.local', 'test-demo', 'lifecycle');
    // A run killed outright leaves its servers and pods behind ...
    const killed = start(stateDir);
    await killed.waitFor('enqueued');
    const left = recordedPids(stateDir);
    expect(left.length).toBeGreaterThanOrEqual(3);
    killed.child.kill('SIGKILL');
    await killed.exited;
    expect(left.filter(alive).length).toBeGreaterThan(0);

    // ... which the next run stops, by PID, before starting clean.
    const next = start(stateDir);
    await next.waitFor('watch the ladder');
    expect(await gone(left)).toEqual([]);
    expect(next.output()).toMatch(/SUCCEEDED/);
    const mine = recordedPids(stateDir);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    interrupt(next.child);
    expect(await next.exited).toBe(130);
    expect(next.output()).toContain('stopped everything this run started');
    expect(await gone(mine)).toEqual([]);
  });
});

function interrupt(child: ChildProcess): void {
  child.kill('SIGINT');
}
