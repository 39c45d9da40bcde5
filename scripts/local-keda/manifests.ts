import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { replicaBounds, selectStrategy, type ReplicaBounds, type Strategy } from './scaling.ts';
import { parseSqsTrigger, type SqsTrigger } from './sqs-scaler.ts';

/**
 * Reads what the local runner needs from the synthesized manifests (the output of
 * `cdk8s synth`): the ScaledJob, and the control API's Deployment when there is one. Only the
 * fields the runner acts on are taken; anything it cannot honour locally is refused by name
 * rather than silently ignored.
 */
export interface ContainerSpec {
  readonly name: string;
  readonly command: readonly string[];
  readonly args: readonly string[];
  readonly env: readonly EnvEntry[];
  readonly volumeMounts: readonly { readonly name: string; readonly mountPath: string }[];
}

export type EnvEntry =
  | { readonly name: string; readonly value: string }
  | { readonly name: string; readonly fieldRef: string }
  | { readonly name: string; readonly secretKeyRef: { name: string; key: string } };

export interface LocalScaledJob {
  readonly name: string;
  readonly pollingIntervalSeconds: number;
  /** The spec's replica counts as written (undefined when unset). */
  readonly minReplicaCount?: number;
  readonly maxReplicaCount?: number;
  /** KEDA's effective bounds from them (MinReplicaCount(), MaxReplicaCount()). */
  readonly bounds: ReplicaBounds;
  /** The strategy as written, and the one KEDA runs (custom without a percentage is default). */
  readonly strategyName: string;
  readonly strategy: Strategy;
  readonly pendingPodConditions: readonly string[];
  readonly trigger: SqsTrigger;
  readonly container: ContainerSpec;
  readonly activeDeadlineSeconds?: number;
  readonly terminationGracePeriodSeconds: number;
}

export interface LocalDeployment {
  readonly name: string;
  readonly replicas: number;
  readonly container: ContainerSpec;
  readonly terminationGracePeriodSeconds: number;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Every object in every `*.k8s.yaml` of a synth output directory. */
export function readManifests(distDir: string): Obj[] {
  return readdirSync(distDir)
    .filter((f) => f.endsWith('.k8s.yaml'))
    .sort()
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(distDir, f), 'utf8'))
        .map((d) => obj(d.toJS()))
        .filter((o) => typeof o.kind === 'string'),
    );
}

/**
 * The one ScaledJob of the manifests, read as KEDA reads it: the trigger's metadata through the
 * SQS scaler's parser, the replica counts through KEDA's bounds, the strategy through its
 * selection. A field KEDA would refuse is refused here with its name.
 */
export function readScaledJob(manifests: readonly Obj[]): LocalScaledJob {
  const jobs = manifests.filter((m) => m.kind === 'ScaledJob');
  if (jobs.length !== 1) throw new Error(`expected one ScaledJob, found ${jobs.length}`);
  const sj = jobs[0]!;
  const name = String(obj(sj.metadata).name);
  const spec = obj(sj.spec);
  const triggers = arr(spec.triggers).map(obj);
  const sqs = triggers.filter((t) => t.type === 'aws-sqs-queue');
  if (sqs.length !== 1 || triggers.length !== 1)
    throw new Error('the local runner drives exactly one aws-sqs-queue trigger');
  const trig = sqs[0]!;
  if (trig.metricType !== undefined && trig.metricType !== 'AverageValue')
    throw new Error(
      `ScaledJob ${name}: trigger metricType ${JSON.stringify(trig.metricType)} is not modelled locally (AverageValue only)`,
    );
  const jobSpec = obj(spec.jobTargetRef);
  const podSpec = obj(obj(jobSpec.template).spec);
  const container = containerOf(podSpec);
  // queueURLFromEnv names a variable of the container KEDA reads its environment from.
  const plainEnv = Object.fromEntries(
    container.env.flatMap((e) => ('value' in e ? [[e.name, e.value] as const] : [])),
  );
  let trigger: SqsTrigger;
  try {
    trigger = parseSqsTrigger(obj(trig.metadata), plainEnv);
  } catch (err) {
    throw new Error(`ScaledJob ${name}: ${(err as Error).message}`, { cause: err });
  }

  const strategy = obj(spec.scalingStrategy);
  const strategyName =
    strategy.strategy === undefined
      ? 'default'
      : typeof strategy.strategy === 'string'
        ? strategy.strategy
        : JSON.stringify(strategy.strategy);
  if (!['default', 'accurate', 'eager', 'custom'].includes(strategyName))
    throw new Error(
      `ScaledJob ${name}: scalingStrategy.strategy ${strategyName} is not one of default, accurate, eager, custom`,
    );
  const percentage = strategy.customScalingRunningJobPercentage;
  if (percentage !== undefined && typeof percentage !== 'string')
    throw new Error(
      `ScaledJob ${name}: scalingStrategy.customScalingRunningJobPercentage must be a string, as in KEDA's CRD (quote it: "0.5")`,
    );
  const deduction = optionalInt(
    name,
    'scalingStrategy.customScalingQueueLengthDeduction',
    strategy.customScalingQueueLengthDeduction,
  );
  const minReplicaCount = optionalInt(name, 'minReplicaCount', spec.minReplicaCount);
  const maxReplicaCount = optionalInt(name, 'maxReplicaCount', spec.maxReplicaCount);
  return {
    name,
    pollingIntervalSeconds: optionalInt(name, 'pollingInterval', spec.pollingInterval) ?? 30,
    ...(minReplicaCount !== undefined ? { minReplicaCount } : {}),
    ...(maxReplicaCount !== undefined ? { maxReplicaCount } : {}),
    bounds: replicaBounds({ minReplicaCount, maxReplicaCount }),
    strategyName,
    strategy: selectStrategy({
      strategy: strategyName,
      customScalingQueueLengthDeduction: deduction,
      customScalingRunningJobPercentage: percentage,
    }),
    pendingPodConditions: arr(strategy.pendingPodConditions).map(String),
    trigger,
    container,
    ...(jobSpec.activeDeadlineSeconds !== undefined
      ? { activeDeadlineSeconds: Number(jobSpec.activeDeadlineSeconds) }
      : {}),
    terminationGracePeriodSeconds: Number(podSpec.terminationGracePeriodSeconds ?? 30),
  };
}

function optionalInt(owner: string, field: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw new Error(
      `ScaledJob ${owner}: ${field} must be an integer, got ${JSON.stringify(value)}`,
    );
  return value;
}

export function readDeployment(
  manifests: readonly Obj[],
  name: string,
): LocalDeployment | undefined {
  const found = manifests.find((m) => m.kind === 'Deployment' && obj(m.metadata).name === name);
  if (!found) return undefined;
  const spec = obj(found.spec);
  const podSpec = obj(obj(spec.template).spec);
  return {
    name,
    replicas: Number(spec.replicas ?? 1),
    container: containerOf(podSpec),
    terminationGracePeriodSeconds: Number(podSpec.terminationGracePeriodSeconds ?? 30),
  };
}

function containerOf(podSpec: Obj): ContainerSpec {
  const containers = arr(podSpec.containers).map(obj);
  if (containers.length !== 1) throw new Error('the local runner runs one container per pod');
  const c = containers[0]!;
  const command = arr(c.command).map(String);
  if (command.length === 0)
    throw new Error(`container ${String(c.name)} names no command; the runner cannot guess one`);
  return {
    name: String(c.name),
    command,
    args: arr(c.args).map(String),
    env: arr(c.env).map((raw) => {
      const e = obj(raw);
      const name = String(e.name);
      if (typeof e.value === 'string') return { name, value: e.value };
      const from = obj(e.valueFrom);
      const field = obj(from.fieldRef).fieldPath;
      if (typeof field === 'string') return { name, fieldRef: field };
      const secret = obj(from.secretKeyRef);
      if (typeof secret.name === 'string')
        return { name, secretKeyRef: { name: secret.name, key: String(secret.key) } };
      throw new Error(`env ${name}: only value, fieldRef and secretKeyRef are supported locally`);
    }),
    volumeMounts: arr(c.volumeMounts).map((raw) => {
      const m = obj(raw);
      return { name: String(m.name), mountPath: String(m.mountPath) };
    }),
  };
}
