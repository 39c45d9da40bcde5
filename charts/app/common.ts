import { Chart, type App } from 'cdk8s';
import type { DeploymentConfig } from '../config/config.ts';
import type { PolicyDocument } from '../constructs/policy-document.ts';

export const WORKER_TAINT = { key: 'keda-transcoder/worker', value: 'true' } as const;
/** Leave at most this long after SIGTERM before Kubernetes kills the pod. */
export const GRACE_MARGIN_SECONDS = 5;
export const COMMON_LABELS = {
  'app.kubernetes.io/name': 'keda-transcoder',
  'app.kubernetes.io/part-of': 'keda-transcoder',
};

/** Plain IAM JSON for users without ACK, by file name, filled in as the charts are built. */
export type IamFiles = Record<string, PolicyDocument | object>;

/** A chart with the common labels and stable object names. */
export function newChart(app: App, id: string, namespace?: string): Chart {
  return new Chart(app, id, {
    ...(namespace ? { namespace } : {}),
    labels: COMMON_LABELS,
    disableResourceNameHashes: true,
  });
}

/**
 * A service account's annotations for its role. IRSA: the role on the service account. Pod
 * Identity: no annotation; an association (pod-identity.ts) binds the account to the role.
 */
export function roleAnnotations(config: DeploymentConfig, roleArn: string): Record<string, string> {
  return config.identity === 'irsa'
    ? {
        'eks.amazonaws.com/role-arn': roleArn,
        'eks.amazonaws.com/sts-regional-endpoints': 'true',
      }
    : {};
}

/** Pod labels every pod of the deployment gets (and Fargate's profile label where it runs). */
export function podLabels(config: DeploymentConfig): Record<string, string> {
  return {
    ...COMMON_LABELS,
    ...(config.placement === 'fargate' ? config.fargate.profileLabel : {}),
  };
}
