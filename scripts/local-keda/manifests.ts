import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

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

export interface SqsTrigger {
  readonly queueURL: string;
  /** Target messages per Job (KEDA's `queueLength`). */
  readonly queueLength: number;
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
  readonly scaleOnDelayed: boolean;
}

export interface ScalingStrategy {
  readonly strategy: 'default' | 'accurate' | 'eager' | 'custom';
  readonly customScalingQueueLengthDeduction?: number;
  readonly customScalingRunningJobPercentage?: number;
}

export interface LocalScaledJob {
  readonly name: string;
  readonly pollingIntervalSeconds: number;
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly strategy: ScalingStrategy;
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

export function readScaledJob(manifests: readonly Obj[]): LocalScaledJob {
  const jobs = manifests.filter((m) => m.kind === 'ScaledJob');
  if (jobs.length !== 1) throw new Error(`expected one ScaledJob, found ${jobs.length}`);
  const sj = jobs[0]!;
  const spec = obj(sj.spec);
  const triggers = arr(spec.triggers).map(obj);
  const sqs = triggers.filter((t) => t.type === 'aws-sqs-queue');
  if (sqs.length !== 1 || triggers.length !== 1)
    throw new Error('the local runner drives exactly one aws-sqs-queue trigger');
  const meta = obj(sqs[0]!.metadata) as Record<string, string | undefined>;
  const strategy = obj(spec.scalingStrategy);
  const name = typeof strategy.strategy === 'string' ? strategy.strategy : 'default';
  if (!['default', 'accurate', 'eager', 'custom'].includes(name))
    throw new Error(`unknown scaling strategy ${name}`);
  const jobSpec = obj(spec.jobTargetRef);
  const podSpec = obj(obj(jobSpec.template).spec);
  return {
    name: String(obj(sj.metadata).name),
    pollingIntervalSeconds: Number(spec.pollingInterval ?? 30),
    minReplicaCount: Number(spec.minReplicaCount ?? 0),
    maxReplicaCount: Number(spec.maxReplicaCount ?? 100),
    strategy: {
      strategy: name as ScalingStrategy['strategy'],
      ...(strategy.customScalingQueueLengthDeduction !== undefined
        ? { customScalingQueueLengthDeduction: Number(strategy.customScalingQueueLengthDeduction) }
        : {}),
      ...(strategy.customScalingRunningJobPercentage !== undefined
        ? { customScalingRunningJobPercentage: Number(strategy.customScalingRunningJobPercentage) }
        : {}),
    },
    trigger: {
      queueURL: String(meta.queueURL),
      queueLength: Number(meta.queueLength ?? 5),
      activationQueueLength: Number(meta.activationQueueLength ?? 0),
      scaleOnInFlight: (meta.scaleOnInFlight ?? 'true') === 'true',
      scaleOnDelayed: (meta.scaleOnDelayed ?? 'false') === 'true',
    },
    container: containerOf(podSpec),
    ...(jobSpec.activeDeadlineSeconds !== undefined
      ? { activeDeadlineSeconds: Number(jobSpec.activeDeadlineSeconds) }
      : {}),
    terminationGracePeriodSeconds: Number(podSpec.terminationGracePeriodSeconds ?? 30),
  };
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
