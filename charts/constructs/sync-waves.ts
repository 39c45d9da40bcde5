import { ApiObject } from 'cdk8s';
import type { IConstruct } from 'constructs';

/**
 * Argo CD sync waves by kind: what others depend on applies first. Namespaces, then
 * identities, AWS resources and node classes, then node pools and trigger auth, then the
 * ScaledJob that uses them all.
 */
const WAVES: Record<string, number> = {
  Namespace: -3,
  ServiceAccount: -2,
  ConfigMap: -2,
  Role: -2,
  Policy: -2,
  Queue: -2,
  Bucket: -2,
  Table: -2,
  EC2NodeClass: -2,
  NodePool: -1,
  PodIdentityAssociation: -1,
  TriggerAuthentication: -1,
  ScaledJob: 0,
};

export function applySyncWaves(scope: IConstruct): void {
  for (const child of scope.node.findAll()) {
    if (child instanceof ApiObject) {
      const wave = WAVES[child.kind];
      if (wave !== undefined)
        child.metadata.addAnnotation('argocd.argoproj.io/sync-wave', String(wave));
    }
  }
}
