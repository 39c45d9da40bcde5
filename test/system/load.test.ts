import { describe, expect, inject, it } from 'vitest';
import { loadViolations, runLoad } from '../../scripts/load/run-load.ts';
import { makeClip } from '../support/clips.ts';
import { ROOT } from '../support/env.ts';
import { localConfigFile } from '../support/system.ts';

/**
 * The CI-sized load run (40 jobs); `npm run load` runs the full 200 with the same checks.
 * Four workers at most, a tenth of them SIGKILLed mid-job, a tenth of the jobs meant to fail.
 */
describe('load through the local runner, with workers killed at random', () => {
  it('ends every job in exactly one terminal state; stats equal the ledger; the DLQ holds exactly the intended failures', async () => {
    const { file, dir } = localConfigFile('load', (c) => ({
      ...c,
      worker: {
        ...c.worker,
        idleTimeoutSeconds: 2,
        visibilityTimeoutSeconds: 6,
        heartbeatSeconds: 2,
        retryDelaySeconds: 1,
        retryDelayMaxSeconds: 2,
      },
      scaling: { ...c.scaling, maxReplicaCount: 4 },
    }));
    const report = await runLoad({
      root: ROOT,
      stack: inject('stack'),
      configFile: file,
      stateDir: dir,
      jobs: 40,
      failures: 4,
      killFraction: 0.1,
      clip: await makeClip({ seconds: 1, width: 320, height: 180 }),
      timeoutMs: 240_000,
    });
    expect(loadViolations(report)).toEqual([]);
    expect(report.stats).toMatchObject({ succeeded: 36, failed: 4, running: 0 });
    expect(report.pods.peak).toBeLessThanOrEqual(4);
    expect(report.pods.peak).toBeGreaterThan(1);
    // The kills happened and cost retries, which the stats count.
    expect(report.pods.killed.length).toBeGreaterThan(0);
    const lost = report.records.flatMap((r) => r.history.filter((h) => h.outcome === 'lost'));
    expect(report.stats.retries).toBeGreaterThanOrEqual(lost.length);
  });
});
