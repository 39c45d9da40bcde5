import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';
import { spawnWorker } from '../support/worker-process.ts';

const exec = promisify(execFile);
// Outside the repository: Node would otherwise find its node_modules by walking up.
const OUT = join(mkdtempSync(join(tmpdir(), 'kt-bundle-')), 'app');

/** What the image runs: the bundled entry points, with no node_modules beside them. */
describe('the bundled application (npm run build)', () => {
  let env: TestEnv;
  beforeAll(async () => {
    await exec(process.execPath, [join(ROOT, 'scripts', 'build-app.ts'), '--outdir', OUT], {
      cwd: ROOT,
    });
    env = await createTestEnv('bundle');
  }, 120_000);
  afterAll(() => env?.destroy());

  it('the bundled worker takes a job and succeeds', async () => {
    const input = await env.putSource(
      'uploads/bundle.mp4',
      await makeClip({ seconds: 1, width: 320, height: 180 }),
    );
    await env.send({
      version: 1,
      jobId: 'bundled',
      input,
      ladder: [{ height: 144 }],
      formats: ['hls'],
    });
    const worker = spawnWorker(env.env(), join(ROOT, '.local', 'test-logs', 'bundle.log'), {
      entry: join(OUT, 'worker.mjs'),
      cwd: OUT,
    });
    expect((await worker.exited).code).toBe(0);
    expect(await env.record('bundled')).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('the bundled CLI and API start without the repository', async () => {
    const help = await exec(process.execPath, [join(OUT, 'cli.mjs'), '--help'], { cwd: OUT });
    expect(help.stdout).toContain('Examples:');
    const stats = await exec(process.execPath, [join(OUT, 'cli.mjs'), '--json', 'stats'], {
      cwd: OUT,
      env: { PATH: process.env.PATH, ...env.env() },
    });
    expect(JSON.parse(stats.stdout)).toMatchObject({ succeeded: 1 });
    const api = await exec(process.execPath, ['--input-type=module', '-e', API_PROBE], {
      cwd: OUT,
      env: {
        PATH: process.env.PATH,
        ...env.env(),
        API_TOKENS: 'x'.repeat(32),
        API_HOST: '127.0.0.1',
        API_PORT: '0',
        BUNDLE: join(OUT, 'api.mjs'),
      },
    });
    expect(JSON.parse(api.stdout)).toEqual({ page: 200, hls: 200, health: 200 });
  });
});

/** Starts the bundled API, reads its port from its log, fetches a few open routes, exits. */
const API_PROBE = `
import { spawn } from 'node:child_process';
const child = spawn(process.execPath, [process.env.BUNDLE], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
const url = await new Promise((resolve) => child.stdout.on('data', (c) => {
  out += c; const m = /Server listening at (http:\\/\\/[^"]+)/.exec(out); if (m) resolve(m[1]);
}));
const status = async (p) => (await fetch(url + p)).status;
const result = { page: await status('/'), hls: await status('/ui/hls.min.js'), health: await status('/healthz') };
child.kill('SIGTERM');
process.stdout.write(JSON.stringify(result));
`;
