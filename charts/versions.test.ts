import { describe, expect, it } from 'vitest';
import type { DeploymentInput } from './config/config.ts';
import { exampleInput, karpenterInput, synth } from './testing/fixtures.ts';
import { KEDA_CRDS, KUBERNETES_VERSIONS, validateManifest } from './testing/validate.ts';

/**
 * Every way the charts can be placed and switched, synthesized and checked against every
 * Kubernetes version EKS supports in December 2026 (1.34, 1.35, 1.36) and every KEDA 2.20 patch's
 * CRDs (2.20.0's, which 2.20.1 shares, and 2.20.2's), strictly: an unknown field is an error.
 */
describe('every placement on every supported Kubernetes and KEDA 2.20.x', () => {
  const base = exampleInput();
  const placements: Record<string, DeploymentInput> = {
    fargate: base,
    karpenter: karpenterInput(),
  };
  const switches = {
    'control, ACK, Argo CD': (i: DeploymentInput) => ({
      ...i,
      ack: { ...i.ack!, enabled: true },
      events: {
        snsTopicArn: 'arn:aws:sns:eu-west-1:123456789012:keda-transcoder-events',
        webhooks: { secret: { name: 'keda-transcoder-webhooks' } },
      },
    }),
    'Argo CD Source Hydrator': (i: DeploymentInput) => ({
      ...i,
      argocd: { ...i.argocd!, source: 'hydrator' as const },
    }),
    'Argo CD reading committed manifests': (i: DeploymentInput) => {
      const { plugin: _p, ...argocd } = i.argocd!;
      return { ...i, argocd: { ...argocd, source: 'manifests' as const, path: 'dist' } };
    },
    'control only': (i: DeploymentInput) => ({ ...i, argocd: { ...i.argocd!, enabled: false } }),
    'nothing optional': (i: DeploymentInput) => {
      const { control: _c, argocd: _a, ack: _k, ...rest } = i;
      return rest as DeploymentInput;
    },
  };

  it('checks what it says it checks', () => {
    expect(KUBERNETES_VERSIONS).toEqual(['v1.34.0', 'v1.35.0', 'v1.36.0']);
    expect(Object.keys(KEDA_CRDS)).toEqual(['v2.20.2', 'v2.20.0']);
  });

  it('karpenter with EKS Pod Identity (ACK associations, control, Argo CD): every object is valid', () => {
    const i = karpenterInput();
    const s = synth({ ...i, identity: 'pod-identity', ack: { ...i.ack!, enabled: true } });
    expect(s.aws.filter((m) => m.kind === 'PodIdentityAssociation')).toHaveLength(2);
    expect(s.all.flatMap(validateManifest)).toEqual([]);
  });

  for (const [placement, input] of Object.entries(placements)) {
    for (const [name, apply] of Object.entries(switches)) {
      it(`${placement}, ${name}: every object is valid`, () => {
        const s = synth(apply(input));
        expect(s.all.length).toBeGreaterThan(3);
        expect(s.all.flatMap(validateManifest)).toEqual([]);
      });
    }
  }
});
