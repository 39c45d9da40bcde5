/**
 * `npm run load [-- --jobs 200 --failures 20 --kill 0.1 --replicas 4]`: the full load run on a
 * local stack of its own (the test suite runs a 40-job version of the same thing). Prints the
 * report and exits 1 if any promise was broken.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parse, stringify } from 'yaml';
import type { DeploymentInput } from '../charts/config/config.ts';
import { startLocalStack } from './local-stack/index.ts';
import { loadViolations, runLoad } from './load/run-load.ts';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '200' },
    failures: { type: 'string', default: '20' },
    kill: { type: 'string', default: '0.1' },
    replicas: { type: 'string', default: '4' },
    seed: { type: 'string', default: '20261121' },
  },
});

const stateDir = join(ROOT, '.local', 'load');
mkdirSync(stateDir, { recursive: true });
const base = parse(
  readFileSync(join(ROOT, 'charts', 'environments', 'local.yaml'), 'utf8'),
) as DeploymentInput;
const config: DeploymentInput = {
  ...base,
  worker: {
    ...base.worker,
    idleTimeoutSeconds: 2,
    visibilityTimeoutSeconds: 6,
    heartbeatSeconds: 2,
    retryDelaySeconds: 1,
    retryDelayMaxSeconds: 2,
  },
  scaling: { ...base.scaling, maxReplicaCount: Number(values.replicas) },
};
const configFile = join(stateDir, 'config.yaml');
writeFileSync(configFile, stringify(config));
const clip = join(stateDir, 'clip.mp4');
execFileSync('ffmpeg', [
  '-v',
  'error',
  '-f',
  'lavfi',
  '-i',
  'testsrc2=size=320x180:rate=25:duration=1',
  '-f',
  'lavfi',
  '-i',
  'sine=duration=1',
  '-c:v',
  'libx264',
  '-preset',
  'ultrafast',
  '-pix_fmt',
  'yuv420p',
  '-c:a',
  'aac',
  '-shortest',
  '-y',
  clip,
]);

const stack = await startLocalStack({ stateDir: join(stateDir, 'stack') });
let failed = false;
try {
  const report = await runLoad({
    root: ROOT,
    stack,
    configFile,
    stateDir,
    clip,
    jobs: Number(values.jobs),
    failures: Number(values.failures),
    killFraction: Number(values.kill),
    seed: Number(values.seed),
    log: (line) => console.log(`  ${line}`),
  });
  const violations = loadViolations(report);
  const duplicates = report.deadLetters.length - new Set(report.deadLetters).size;
  console.log(`${values.jobs} jobs in ${(report.durationMs / 1000).toFixed(1)} s`);
  console.log(
    `  pods: ${report.pods.started} started, at most ${report.pods.peak} at once, ${report.pods.killed.length} SIGKILLed`,
  );
  console.log(`  stats:  ${JSON.stringify(report.stats)}`);
  console.log(`  ledger: ${JSON.stringify(report.ledger)}`);
  console.log(
    `  DLQ: ${new Set(report.deadLetters).size} jobs (${duplicates} duplicate copies), ${report.sent.intendedFailures.length} meant to fail`,
  );
  if (violations.length) {
    failed = true;
    console.log(`BROKEN (${violations.length}):\n  ${violations.join('\n  ')}`);
  } else
    console.log(
      'every job ended once; stats equal the ledger; the DLQ holds exactly the intended failures',
    );
} finally {
  await stack.stop();
}
process.exit(failed ? 1 : 0);
