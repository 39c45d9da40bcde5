// Tests reach into arbitrary manifest paths to break them on purpose.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access */
import { describe, expect, it } from 'vitest';
import { exampleInput, karpenterInput, one, synth } from './fixtures.ts';
import { KUBERNETES_VERSIONS, validateManifest, type Manifest } from './validate.ts';

/** The validation the chart tests rely on must itself catch mistakes. */
describe('validateManifest', () => {
  const fargate = synth(exampleInput());
  const karpenter = synth(karpenterInput());
  const mutate = (
    m: Manifest,
    change: (copy: Manifest & Record<string, any>) => void,
  ): Manifest => {
    const copy = structuredClone(m) as Manifest & Record<string, any>;
    change(copy);
    return copy;
  };

  it('rejects a wrongly typed ScaledJob field and an unknown one the API server would drop', () => {
    const job = one(fargate.workload, 'ScaledJob');
    expect(validateManifest(mutate(job, (j) => (j.spec.pollingInterval = '15')))).not.toEqual([]);
    expect(
      validateManifest(mutate(job, (j) => (j.spec.scalingStrategy = { stratgey: 'accurate' }))),
    ).toEqual([
      expect.stringMatching(
        /\(KEDA v2.20.2\): \/spec\/scalingStrategy must NOT have additional properties/,
      ),
      expect.stringMatching(
        /\(KEDA v2.20.0\): \/spec\/scalingStrategy must NOT have additional properties/,
      ),
    ]);
  });

  it('rejects what an older KEDA 2.20 patch refuses: strategy "default" before 2.20.2', () => {
    const job = one(fargate.workload, 'ScaledJob');
    expect(
      validateManifest(mutate(job, (j) => (j.spec.scalingStrategy = { strategy: 'default' }))),
    ).toEqual([
      expect.stringMatching(
        /^keda\.sh\/v1alpha1\/ScaledJob keda-transcoder-worker \(KEDA v2\.20\.0\): \/spec\/scalingStrategy\/strategy must be equal to one of the allowed values$/,
      ),
    ]);
  });

  it('checks core objects in every supported Kubernetes version', () => {
    expect(KUBERNETES_VERSIONS).toEqual(['v1.34.0', 'v1.35.0', 'v1.36.0']);
    const sa = one(fargate.workload, 'ServiceAccount', 'keda-transcoder-worker');
    const problems = validateManifest(mutate(sa, (s) => (s.automountServiceAccountToken = 'no')));
    expect(problems.map((p) => /\(Kubernetes (v[\d.]+)\)/.exec(p)?.[1])).toEqual([
      'v1.34.0',
      'v1.35.0',
      'v1.36.0',
    ]);
    expect(
      validateManifest(
        mutate(sa, (s) => ((s.metadata as Record<string, unknown>).lables = { a: 'b' })),
      ).length,
    ).toBe(3);
  });

  it('rejects a Job template Kubernetes would refuse', () => {
    const job = one(fargate.workload, 'ScaledJob');
    const broken = mutate(
      job,
      (j) => (j.spec.jobTargetRef.template.spec.containers[0].resources.limits.cpu = { amount: 2 }),
    );
    expect(validateManifest(broken).join('\n')).toMatch(/jobTargetRef|cpu/);
  });

  it('rejects a bad Karpenter enum and a bad core object', () => {
    const pool = one(karpenter.cluster, 'NodePool');
    expect(
      validateManifest(mutate(pool, (p) => (p.spec.disruption.consolidationPolicy = 'WhenIdle')))
        .length,
    ).toBeGreaterThan(0);
    const sa = one(fargate.workload, 'ServiceAccount', 'keda-transcoder-worker');
    expect(
      validateManifest(mutate(sa, (s) => (s.automountServiceAccountToken = 'no'))).length,
    ).toBeGreaterThan(0);
  });

  it('rejects a Deployment probe with a wrongly typed port and a CronJob without a schedule', () => {
    const deployment = one(fargate.workload, 'Deployment');
    expect(
      validateManifest(
        mutate(
          deployment,
          (d) => (d.spec.template.spec.containers[0].readinessProbe.httpGet.port = { n: 1 }),
        ),
      ).length,
    ).toBeGreaterThan(0);
    const cron = one(fargate.workload, 'CronJob');
    expect(validateManifest(mutate(cron, (c) => delete c.spec.schedule)).length).toBeGreaterThan(0);
  });

  it('knows no schema for kinds it was not given', () => {
    expect(
      validateManifest({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toEqual(['no schema known for example.com/v1/Widget']);
  });
});
