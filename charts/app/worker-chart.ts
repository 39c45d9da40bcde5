import { Duration, Size, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import type { DeploymentConfig } from '../config/config.ts';
import type { KarpenterPool } from '../constructs/karpenter-pool.ts';
import { SqsScaledJob } from '../constructs/sqs-scaled-job.ts';
import { renderWorkerJobSpec } from '../constructs/worker-job-template.ts';
import { scalerPolicy, workerPolicy } from '../plan/iam.ts';
import { WORK_MOUNT, workerEnvironment, workerSecretEnvironment } from '../plan/worker-env.ts';
import {
  COMMON_LABELS,
  GRACE_MARGIN_SECONDS,
  roleAnnotations,
  WORKER_TAINT,
  type IamFiles,
} from './common.ts';

/**
 * The worker: its service account and the KEDA ScaledJob that starts one Job per message, on
 * Fargate or on the Karpenter pool. Returns the service account (for the role's trust).
 */
export function addWorker(
  workload: Chart,
  config: DeploymentConfig,
  karpenter: KarpenterPool | undefined,
  iam: IamFiles,
): kplus.ServiceAccount {
  const w = config.worker;
  const serviceAccount = new kplus.ServiceAccount(workload, 'worker-identity', {
    metadata: {
      name: `${config.name}-worker`,
      annotations: roleAnnotations(config, config.workerRoleArn),
    },
    automountToken: false,
  });
  const jobSpec = renderWorkerJobSpec({
    image: config.image,
    serviceAccountName: serviceAccount.name,
    env: workerEnvironment(config),
    secretEnv: workerSecretEnvironment(config),
    cpu: w.cpu,
    memory: Size.mebibytes(w.memoryMiB),
    workVolume: Size.gibibytes(w.workVolumeGiB),
    workMount: WORK_MOUNT,
    activeDeadline: Duration.seconds(w.jobDeadlineSeconds),
    ttlAfterFinished: Duration.seconds(w.ttlSecondsAfterFinished),
    terminationGracePeriod: Duration.seconds(w.shutdownGraceSeconds + GRACE_MARGIN_SECONDS),
    runAsUser: w.runAsUser,
    podLabels: {
      ...COMMON_LABELS,
      'app.kubernetes.io/component': 'worker',
      ...(config.placement === 'fargate' ? config.fargate.profileLabel : {}),
    },
    podAnnotations:
      config.placement === 'karpenter' ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
    ...(karpenter
      ? {
          nodeSelector: { 'karpenter.sh/nodepool': karpenter.nodePool.name },
          tolerations: [{ ...WORKER_TAINT, effect: 'NoSchedule' as const }],
        }
      : {}),
  });
  new SqsScaledJob(workload, 'worker', {
    name: `${config.name}-worker`,
    queueUrl: config.queueUrl,
    region: config.region,
    jobSpec,
    pollingInterval: Duration.seconds(config.scaling.pollingIntervalSeconds),
    maxReplicaCount: config.scaling.maxReplicaCount,
    successfulJobsHistoryLimit: config.scaling.successfulJobsHistoryLimit,
    failedJobsHistoryLimit: config.scaling.failedJobsHistoryLimit,
    identity: config.keda.identity,
  });
  iam['worker-policy.json'] = workerPolicy(config);
  iam['keda-scaler-policy.json'] = scalerPolicy(config);
  return serviceAccount;
}
