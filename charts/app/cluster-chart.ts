import { Duration, type App, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { DeploymentConfig } from '../config/config.ts';
import { FargateLogging } from '../constructs/fargate-logging.ts';
import { KarpenterPool } from '../constructs/karpenter-pool.ts';
import { newChart, WORKER_TAINT } from './common.ts';

/**
 * Cluster-scoped objects (and the aws-observability namespace's own ConfigMap), so no chart
 * namespace: the namespace itself, Fargate's log routing, or the Karpenter pool.
 */
export function buildClusterChart(
  app: App,
  config: DeploymentConfig,
): { readonly cluster: Chart; readonly karpenter?: KarpenterPool } {
  const cluster = newChart(app, `${config.name}-cluster`);
  new kplus.Namespace(cluster, 'namespace', {
    metadata: {
      name: config.namespace,
      labels: config.placement === 'fargate' ? { ...config.fargate.profileLabel } : {},
    },
  });
  if (config.placement === 'fargate' && config.fargate.logging.enabled) {
    new FargateLogging(cluster, 'fargate-logging', {
      region: config.region,
      ...config.fargate.logging,
    });
  }
  if (config.placement !== 'karpenter') return { cluster };
  const k = config.karpenter!;
  const karpenter = new KarpenterPool(cluster, 'karpenter', {
    name: config.name,
    ...k,
    consolidateAfter: Duration.seconds(k.consolidateAfterSeconds),
    taint: WORKER_TAINT,
  });
  return { cluster, karpenter };
}
