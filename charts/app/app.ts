import type { App, Chart } from 'cdk8s';
import { formatS3Uri } from '../../worker/src/contract/s3-uri.ts';
import type { DeploymentConfig } from '../config/config.ts';
import { FARGATE_MAX_EPHEMERAL_GIB, fargateSize } from '../constructs/fargate-size.ts';
import { applySyncWaves } from '../constructs/sync-waves.ts';
import { buildArgoCdChart } from './argocd-chart.ts';
import { buildAwsChart, podIdentityBindings } from './aws-chart.ts';
import { buildClusterChart } from './cluster-chart.ts';
import { newChart, type IamFiles } from './common.ts';
import { addControl } from './control-chart.ts';
import { addWorker } from './worker-chart.ts';

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
  readonly iam: IamFiles;
  /** What Fargate will bill per pod, when placed on Fargate. */
  readonly fargate?: ReturnType<typeof fargateSize>;
}

export interface BuildOptions {
  /**
   * The deployment config's path inside the repository, relative to its root (where
   * package.json is): what Argo CD's plugin renders. Unset when it lies outside.
   */
  readonly configFile?: string;
}

/**
 * Builds every chart for one deployment config, one file per chart: the cluster's objects
 * (cluster-chart.ts), the workload (the worker and the control plane: worker-chart.ts,
 * control-chart.ts), the AWS resources through ACK (aws-chart.ts) and the Argo CD Application
 * (argocd-chart.ts). Charts wire constructs; constructs never read configuration. Throws
 * (failing synth) when the sizes do not fit the placement.
 */
export function buildCharts(
  app: App,
  config: DeploymentConfig,
  options: BuildOptions = {},
): BuiltCharts {
  const w = config.worker;
  const fargate = config.placement === 'fargate' ? fargateSize(w.cpu, w.memoryMiB) : undefined;
  if (config.placement === 'fargate' && w.workVolumeGiB + 1 > FARGATE_MAX_EPHEMERAL_GIB) {
    throw new Error(
      `worker.workVolumeGiB ${w.workVolumeGiB} plus 1 GiB is more ephemeral storage than a Fargate pod may request (${FARGATE_MAX_EPHEMERAL_GIB} GiB)`,
    );
  }
  const iam: IamFiles = {};
  const { cluster, karpenter } = buildClusterChart(app, config);
  const workload = newChart(app, config.name, config.namespace);
  const accounts = {
    worker: addWorker(workload, config, karpenter, iam),
    control: addControl(workload, config, iam),
  };
  const identities = accounts.control
    ? { worker: accounts.worker, control: accounts.control }
    : { worker: accounts.worker };
  const bindings = podIdentityBindings(config, identities, iam);
  const aws = buildAwsChart(app, config, identities, bindings, iam);
  const { argocd, argocdFiles } = buildArgoCdChart(app, config, options.configFile);

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
