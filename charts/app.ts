import { Chart, Duration, Size, type App } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { formatS3Uri } from '../worker/src/job/s3-uri.ts';
import { accountOf, queueArn, queueName, type DeploymentConfig } from './config.ts';
import { ArgoCdApp, type ArgoCdSource } from './constructs/argocd-app.ts';
import { ArgoCdPlugin } from './constructs/argocd-plugin.ts';
import { ControlApi } from './constructs/control-api.ts';
import { ScheduledEnqueue } from './constructs/scheduled-enqueue.ts';
import { AwsResources } from './constructs/aws-resources.ts';
import { FargateLogging } from './constructs/fargate-logging.ts';
import { FARGATE_MAX_EPHEMERAL_GIB, fargateSize } from './constructs/fargate-size.ts';
import { KarpenterPool } from './constructs/karpenter-pool.ts';
import {
  associationInput,
  PodIdentityAssociations,
  type PodIdentityBinding,
} from './constructs/pod-identity.ts';
import { SqsScaledJob } from './constructs/sqs-scaled-job.ts';
import { renderWorkerJobSpec } from './constructs/worker-job-template.ts';
import {
  controlPolicy,
  inputPrefixes,
  irsaTrustPolicy,
  podIdentityTrustPolicy,
  scalerPolicy,
  schedulerPolicy,
  schedulerTrustPolicy,
  workerPolicy,
  uploadPrefix,
  type PolicyDocument,
} from './iam.ts';
import { cronJobSchedule, enqueueArgs, RUN_KEY_VARIABLE } from './schedules.ts';
import { applySyncWaves } from './sync-waves.ts';
import {
  API_PORT,
  controlEnvironment,
  WORK_MOUNT,
  workerEnvironment,
  workerSecretEnvironment,
} from './worker-env.ts';

export const WORKER_TAINT = { key: 'keda-transcoder/worker', value: 'true' } as const;
/** Leave at most this long after SIGTERM before Kubernetes kills the pod. */
const GRACE_MARGIN_SECONDS = 5;
const COMMON_LABELS = {
  'app.kubernetes.io/name': 'keda-transcoder',
  'app.kubernetes.io/part-of': 'keda-transcoder',
};

export interface BuiltCharts {
  readonly workload: Chart;
  readonly cluster: Chart;
  readonly aws?: Chart;
  readonly argocd?: Chart;
  /**
   * With an Argo CD plugin: the repo-server sidecar as a Deployment patch and as Helm values,
   * written under argocd/ next to the manifests.
   */
  readonly argocdFiles?: Record<string, object>;
  /** Plain IAM JSON for users without ACK, written next to the manifests. */
  readonly iam: Record<string, PolicyDocument | object>;
  /** What Fargate will bill per pod, when placed on Fargate. */
  readonly fargate?: ReturnType<typeof fargateSize>;
}

/**
 * Builds every chart for one deployment config. Charts wire constructs; constructs never read
 * configuration. Throws (failing synth) when the sizes do not fit the placement.
 */
export interface BuildOptions {
  /**
   * The deployment config's path inside the repository, relative to its root (where
   * package.json is): what Argo CD's plugin renders. Unset when it lies outside.
   */
  readonly configFile?: string;
}

export function buildCharts(
  app: App,
  config: DeploymentConfig,
  options: BuildOptions = {},
): BuiltCharts {
  const w = config.worker;
  const placement = config.placement;
  const fargate = placement === 'fargate' ? fargateSize(w.cpu, w.memoryMiB) : undefined;
  if (placement === 'fargate' && w.workVolumeGiB + 1 > FARGATE_MAX_EPHEMERAL_GIB) {
    throw new Error(
      `worker.workVolumeGiB ${w.workVolumeGiB} plus 1 GiB is more ephemeral storage than a Fargate pod may request (${FARGATE_MAX_EPHEMERAL_GIB} GiB)`,
    );
  }

  // Cluster-scoped objects (and the aws-observability namespace's own ConfigMap) carry no
  // chart namespace.
  const cluster = new Chart(app, `${config.name}-cluster`, {
    labels: COMMON_LABELS,
    disableResourceNameHashes: true,
  });
  new kplus.Namespace(cluster, 'namespace', {
    metadata: {
      name: config.namespace,
      labels: placement === 'fargate' ? { ...config.fargate.profileLabel } : {},
    },
  });
  if (placement === 'fargate' && config.fargate.logging.enabled) {
    new FargateLogging(cluster, 'fargate-logging', {
      region: config.region,
      ...config.fargate.logging,
    });
  }
  let karpenter: KarpenterPool | undefined;
  if (placement === 'karpenter') {
    const k = config.karpenter!;
    karpenter = new KarpenterPool(cluster, 'karpenter', {
      name: config.name,
      ...k,
      consolidateAfter: Duration.seconds(k.consolidateAfterSeconds),
      taint: WORKER_TAINT,
    });
  }

  const workload = new Chart(app, config.name, {
    namespace: config.namespace,
    labels: COMMON_LABELS,
    disableResourceNameHashes: true,
  });
  // IRSA: the role on the service account. Pod Identity: no annotation; an association (below)
  // binds the service account to the role.
  const roleAnnotations = (roleArn: string): Record<string, string> =>
    config.identity === 'irsa'
      ? {
          'eks.amazonaws.com/role-arn': roleArn,
          'eks.amazonaws.com/sts-regional-endpoints': 'true',
        }
      : {};
  const serviceAccount = new kplus.ServiceAccount(workload, 'worker-identity', {
    metadata: { name: `${config.name}-worker`, annotations: roleAnnotations(config.workerRoleArn) },
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
      ...(placement === 'fargate' ? config.fargate.profileLabel : {}),
    },
    podAnnotations: placement === 'karpenter' ? { 'karpenter.sh/do-not-disrupt': 'true' } : {},
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

  const iam: Record<string, PolicyDocument | object> = {
    'worker-policy.json': workerPolicy(config),
    'keda-scaler-policy.json': scalerPolicy(config),
  };

  // The control plane: the API (behind control.api.enabled) and the schedules kept in Git,
  // sharing one identity.
  const control = config.control;
  let controlAccount: kplus.ServiceAccount | undefined;
  if (control && (control.api.enabled || control.schedules.length > 0)) {
    controlAccount = new kplus.ServiceAccount(workload, 'control-identity', {
      metadata: { name: `${config.name}-control`, annotations: roleAnnotations(control.roleArn) },
      automountToken: false,
    });
    const podLabels = {
      ...COMMON_LABELS,
      ...(placement === 'fargate' ? config.fargate.profileLabel : {}),
    };
    iam['control-policy.json'] = controlPolicy(config);
    if (control.api.enabled) {
      const api = control.api;
      if (placement === 'fargate') fargateSize(api.cpu, api.memoryMiB, 'control.api');
      new ControlApi(workload, 'api', {
        name: config.name,
        image: config.image,
        serviceAccountName: controlAccount.name,
        replicas: api.replicas,
        cpu: api.cpu,
        memory: Size.mebibytes(api.memoryMiB),
        env: controlEnvironment(config, { api: true }),
        tokensSecret: {
          name: api.tokensSecret.name ?? `${config.name}-api-tokens`,
          key: api.tokensSecret.key,
        },
        port: API_PORT,
        runAsUser: w.runAsUser,
        podLabels,
      });
      if (api.schedulerRoleArn) {
        iam['scheduler-policy.json'] = schedulerPolicy(config);
        iam['scheduler-trust-policy.json'] = schedulerTrustPolicy(
          config,
          accountOf(config.queueUrl),
        );
      }
    }
    const r = control.scheduleResources;
    if (control.schedules.length > 0 && placement === 'fargate')
      fargateSize(r.cpu, r.memoryMiB, 'control.scheduleResources');
    for (const schedule of control.schedules) {
      const cron = cronJobSchedule(schedule.cron);
      if (!cron.ok) throw new Error(`control.schedules ${schedule.name}: ${cron.error}`);
      new ScheduledEnqueue(workload, `schedule-${schedule.name}`, {
        name: `${config.name}-schedule-${schedule.name}`,
        image: config.image,
        serviceAccountName: controlAccount.name,
        schedule: cron.schedule,
        timeZone: schedule.timezone,
        suspend: schedule.suspend,
        args: enqueueArgs(schedule.job),
        env: controlEnvironment(config, { api: false }),
        runKeyVariable: RUN_KEY_VARIABLE,
        cpu: r.cpu,
        memory: Size.mebibytes(r.memoryMiB),
        runAsUser: w.runAsUser,
        podLabels,
      });
    }
  }

  // Pod Identity: who gets which role, and the trust every such role needs.
  const bindings: PodIdentityBinding[] = [];
  if (config.identity === 'pod-identity') {
    const clusterName = config.karpenter!.clusterName;
    bindings.push({
      id: 'worker',
      serviceAccount: serviceAccount.name,
      roleArn: config.workerRoleArn,
      ...(config.ack?.enabled ? { ackRole: `${config.name}-worker` } : {}),
    });
    if (control && controlAccount)
      bindings.push({
        id: 'control',
        serviceAccount: controlAccount.name,
        roleArn: control.roleArn,
        ...(config.ack?.enabled ? { ackRole: `${config.name}-control` } : {}),
      });
    for (const b of bindings) {
      iam[`pod-identity-${b.id}.json`] = associationInput(clusterName, config.namespace, b);
      iam[`${b.id}-trust-policy.json`] = podIdentityTrustPolicy();
    }
  }

  let aws: Chart | undefined;
  if (config.ack?.enabled) {
    const ack = config.ack;
    const accountId = accountOf(config.queueUrl);
    const trustOf = (account: kplus.ServiceAccount) =>
      config.identity === 'irsa'
        ? irsaTrustPolicy(config, accountId, ack.oidcIssuer, account.name)
        : podIdentityTrustPolicy();
    const trust = trustOf(serviceAccount);
    iam['worker-trust-policy.json'] = trust;
    const controlTrust = controlAccount ? trustOf(controlAccount) : undefined;
    if (controlTrust) iam['control-trust-policy.json'] = controlTrust;
    const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
    const schedulerRoleArn = control?.api.enabled ? control.api.schedulerRoleArn : undefined;
    aws = new Chart(app, `${config.name}-aws`, {
      namespace: config.namespace,
      labels: COMMON_LABELS,
      disableResourceNameHashes: true,
    });
    new AwsResources(aws, 'aws', {
      name: config.name,
      queueName: queueName(config.queueUrl),
      deadLetterQueueName: queueName(config.deadLetterQueueUrl),
      deadLetterQueueArn: queueArn(config.deadLetterQueueUrl, config.region),
      maxReceiveCount: w.maxReceiveCount,
      visibilityTimeoutSeconds: w.visibilityTimeoutSeconds,
      bucketName: config.outputUri.bucket,
      sourcePrefix:
        inputPrefixes(config).find((p) => p.bucket === config.outputUri.bucket)?.key ?? 'uploads/',
      sourceExpirationDays: ack.sourceExpirationDays,
      // The page PUTs parts to the upload bucket: CORS where that is the bucket ACK manages.
      ...(control?.api.enabled &&
      control.api.corsOrigins.length > 0 &&
      uploadPrefix(config).bucket === config.outputUri.bucket
        ? { uploadCorsOrigins: control.api.corsOrigins }
        : {}),
      tableName: config.tableName,
      roleName: roleNameOf(config.workerRoleArn),
      trustPolicy: trust,
      workerPolicy: workerPolicy(config),
      ...(control && controlTrust
        ? {
            control: {
              roleName: roleNameOf(control.roleArn),
              trustPolicy: controlTrust,
              policy: controlPolicy(config),
            },
          }
        : {}),
      ...(schedulerRoleArn
        ? {
            scheduler: {
              roleName: roleNameOf(schedulerRoleArn),
              trustPolicy: schedulerTrustPolicy(config, accountId),
              policy: schedulerPolicy(config),
            },
          }
        : {}),
    });
    if (bindings.length > 0)
      new PodIdentityAssociations(aws, 'pod-identity', {
        name: config.name,
        clusterName: config.karpenter!.clusterName,
        namespace: config.namespace,
        bindings,
      });
  }

  let argocd: Chart | undefined;
  let argocdFiles: Record<string, object> | undefined;
  if (config.argocd?.enabled) {
    const a = config.argocd;
    argocd = new Chart(app, `${config.name}-argocd`, {
      namespace: a.namespace,
      labels: COMMON_LABELS,
      disableResourceNameHashes: true,
    });
    let source: ArgoCdSource;
    if (a.source === 'manifests') {
      source = {
        kind: 'manifests',
        path: a.path ?? 'dist',
        exclude: `${config.name}-argocd.k8s.yaml`,
      };
    } else {
      const plugin = a.plugin!;
      if (!options.configFile)
        throw new Error(
          `argocd.source ${a.source} renders the deployment config from the repository: keep it inside the repository (charts/environments/<env>.yaml) and synthesize from there`,
        );
      const rendered = new ArgoCdPlugin(argocd, 'plugin', {
        name: plugin.name,
        image: plugin.image,
        configMapName: `${plugin.name}-cmp`,
        execTimeoutSeconds: plugin.execTimeoutSeconds,
        namespace: a.namespace,
      });
      argocdFiles = {
        'repo-server-patch.yaml': rendered.sidecar.patch,
        'helm-values.yaml': rendered.sidecar.helmValues,
      };
      const common = { path: a.path ?? '.', plugin: plugin.name, configFile: options.configFile };
      source =
        a.source === 'plugin'
          ? { kind: 'plugin', ...common }
          : {
              kind: 'hydrator',
              ...common,
              targetBranch: a.hydrator?.targetBranch ?? `environments/${config.name}`,
              hydratedPath: a.hydrator?.path ?? config.name,
              ...(a.hydrator?.hydrateTo ? { hydrateTo: a.hydrator.hydrateTo } : {}),
            };
    }
    new ArgoCdApp(argocd, 'argocd', {
      name: config.name,
      repoURL: a.repoURL,
      targetRevision: a.targetRevision,
      project: a.project,
      destinationNamespace: config.namespace,
      source,
    });
  }

  for (const chart of [cluster, workload, aws]) if (chart) applySyncWaves(chart);
  return {
    workload,
    cluster,
    ...(aws ? { aws } : {}),
    ...(argocd ? { argocd } : {}),
    ...(argocdFiles ? { argocdFiles } : {}),
    iam,
    ...(fargate ? { fargate } : {}),
  };
}

/** A one-line summary of what was synthesized, for the synth log. */
export function describe(config: DeploymentConfig, built: BuiltCharts): string {
  const size = built.fargate
    ? `Fargate bills ${built.fargate.vcpu} vCPU / ${built.fargate.memoryGiB} GiB per job`
    : `Karpenter pool ${config.name}`;
  return `${config.name}: ${config.placement}, ${size}, up to ${config.scaling.maxReplicaCount} jobs, output ${formatS3Uri(config.outputUri)}`;
}
