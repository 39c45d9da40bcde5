import type { Duration } from 'cdk8s';
import { App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { containerSecurityContext, IMAGE_COMMANDS, podIdentity } from './hardening.ts';

/** What runs in every Job KEDA starts. */
export interface WorkerJobTemplateProps {
  readonly image: string;
  readonly serviceAccountName: string;
  readonly env: Readonly<Record<string, string>>;
  /** Variables read from Secrets (`{ WEBHOOK_SECRET: { name, key } }`). @default none */
  readonly secretEnv?: Readonly<Record<string, { readonly name: string; readonly key: string }>>;
  /** vCPU, requests = limits. */
  readonly cpu: number;
  readonly memory: Size;
  /** The emptyDir size limit; the pod requests this plus `storageOverhead` of ephemeral storage. */
  readonly workVolume: Size;
  readonly workMount: string;
  readonly activeDeadline: Duration;
  readonly ttlAfterFinished: Duration;
  readonly terminationGracePeriod: Duration;
  readonly runAsUser: number;
  /** Pod labels and annotations (placement: the Fargate profile's label, Karpenter's do-not-disrupt). */
  readonly podLabels?: Readonly<Record<string, string>>;
  readonly podAnnotations?: Readonly<Record<string, string>>;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly tolerations?: readonly {
    key: string;
    value: string;
    effect: 'NoSchedule' | 'NoExecute';
  }[];
  /** @default 1 GiB, for /tmp, logs and the container's own writes */
  readonly storageOverhead?: Size;
}

/**
 * The Job spec (batch/v1) for the ScaledJob's `jobTargetRef`, built with cdk8s-plus-34 so the
 * pod is typed against Kubernetes 1.34 and gets its secure defaults. cdk8s-plus workloads
 * always emit a top-level object, so the Job is rendered in a scratch chart that is never
 * synthesized and only its spec is kept.
 *
 * backoffLimit 0 and restartPolicy Never: SQS does the retrying, never Kubernetes.
 */
export function renderWorkerJobSpec(props: WorkerJobTemplateProps): Record<string, unknown> {
  const scratch = new Chart(new App({ outdir: '/dev/null' }), 'render', {
    disableResourceNameHashes: true,
  });
  const sizeMiB = (s: Size) => s.toMebibytes();
  const ephemeral = Size.mebibytes(
    sizeMiB(props.workVolume) + sizeMiB(props.storageOverhead ?? Size.gibibytes(1)),
  );
  const work = kplus.Volume.fromEmptyDir(scratch, 'work', 'work', { sizeLimit: props.workVolume });
  // Node and ffmpeg write nothing else; /tmp is small and separate so the root stays read-only.
  const tmp = kplus.Volume.fromEmptyDir(scratch, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(256) });

  const job = new kplus.Job(scratch, 'job', {
    ...podIdentity(scratch, props.serviceAccountName, props.runAsUser),
    backoffLimit: 0,
    activeDeadline: props.activeDeadline,
    ttlAfterFinished: props.ttlAfterFinished,
    terminationGracePeriod: props.terminationGracePeriod,
    restartPolicy: kplus.RestartPolicy.NEVER,
    podMetadata: { labels: { ...props.podLabels }, annotations: { ...props.podAnnotations } },
    containers: [
      {
        name: 'worker',
        image: props.image,
        imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
        command: [...IMAGE_COMMANDS.worker],
        envVariables: {
          ...Object.fromEntries(
            Object.entries(props.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
          ),
          ...Object.fromEntries(
            Object.entries(props.secretEnv ?? {}).map(([k, ref]) => [
              k,
              kplus.EnvValue.fromSecretValue(
                {
                  secret: kplus.Secret.fromSecretName(scratch, `secret-${k}`, ref.name),
                  key: ref.key,
                },
                { optional: false },
              ),
            ]),
          ),
          WORKER_ID: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME),
          TMPDIR: kplus.EnvValue.fromValue('/tmp'),
        },
        resources: {
          cpu: { request: kplus.Cpu.units(props.cpu), limit: kplus.Cpu.units(props.cpu) },
          memory: { request: props.memory, limit: props.memory },
          ephemeralStorage: { request: ephemeral, limit: ephemeral },
        },
        securityContext: containerSecurityContext(props.runAsUser),
        volumeMounts: [
          { path: props.workMount, volume: work },
          { path: '/tmp', volume: tmp },
        ],
      },
    ],
  });
  for (const [key, value] of Object.entries(props.nodeSelector ?? {})) {
    job.scheduling.attract(kplus.Node.labeled(kplus.NodeLabelQuery.is(key, value)));
  }
  for (const t of props.tolerations ?? []) {
    job.scheduling.tolerate(
      kplus.Node.tainted(
        kplus.NodeTaintQuery.is(t.key, t.value, {
          effect:
            t.effect === 'NoSchedule'
              ? kplus.TaintEffect.NO_SCHEDULE
              : kplus.TaintEffect.NO_EXECUTE,
        }),
      ),
    );
  }

  const manifest = scratch.toJson().find((o: { kind?: string }) => o.kind === 'Job') as {
    spec: { template: { metadata?: { labels?: Record<string, string> } } } & Record<
      string,
      unknown
    >;
  };
  // cdk8s-plus labels pods with the scratch chart's address; it means nothing outside it.
  delete manifest.spec.template.metadata?.labels?.['cdk8s.io/metadata.addr'];
  return manifest.spec;
}
