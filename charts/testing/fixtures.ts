import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdk8s';
import { parse } from 'yaml';
import { buildCharts, type BuiltCharts } from '../app/app.ts';
import {
  parseDeploymentConfig,
  type DeploymentConfig,
  type DeploymentInput,
} from '../config/config.ts';
import type { Manifest } from './validate.ts';

export function exampleInput(): DeploymentInput {
  return parse(
    readFileSync(join(import.meta.dirname, '..', 'environments', 'example.yaml'), 'utf8'),
  ) as DeploymentInput;
}

export function karpenterInput(): DeploymentInput {
  return {
    ...exampleInput(),
    placement: 'karpenter',
    karpenter: { clusterName: 'media-prod', nodeRoleName: 'KarpenterNodeRole-media-prod' },
  };
}

export interface Synthesized {
  readonly config: DeploymentConfig;
  readonly built: BuiltCharts;
  /** Every object by chart. */
  readonly workload: Manifest[];
  readonly cluster: Manifest[];
  readonly aws: Manifest[];
  readonly argocd: Manifest[];
  readonly all: Manifest[];
}

export function synth(input: DeploymentInput): Synthesized {
  const config = parseDeploymentConfig(input, 'test');
  // As `npx cdk8s synth` passes it for charts/environments/example.yaml.
  const built = buildCharts(Testing.app(), config, {
    configFile: 'charts/environments/example.yaml',
  });
  const of = (chart: BuiltCharts['workload'] | undefined) =>
    chart ? (Testing.synth(chart) as Manifest[]) : [];
  const workload = of(built.workload);
  const cluster = of(built.cluster);
  const aws = of(built.aws);
  const argocd = of(built.argocd);
  return {
    config,
    built,
    workload,
    cluster,
    aws,
    argocd,
    all: [...cluster, ...workload, ...aws, ...argocd],
  };
}

export function byKind(manifests: readonly Manifest[], kind: string): Manifest[] {
  return manifests.filter((m) => m.kind === kind);
}

export function one(manifests: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = byKind(manifests, kind).filter(
    (m) => name === undefined || m.metadata.name === name,
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind}${name ? ` ${name}` : ''}, found ${found.length}`);
  return found[0]!;
}
