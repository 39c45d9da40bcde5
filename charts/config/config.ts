import { z } from 'zod';
import { isTimeZone } from '../../worker/src/contract/cron.ts';
import { IMAGE_USER } from '../../worker/src/contract/image.ts';
import { validateJobMessage } from '../../worker/src/contract/message.ts';
import { s3UriSchema } from '../../worker/src/contract/s3-uri.ts';
import {
  AWS_REGION,
  DEFAULTS,
  EVENTS_SOURCE,
  heartbeatProblem,
  LOG_LEVELS,
  retryDelayProblem,
  SCHEDULE_GROUP,
  TABLE_NAME,
} from '../../worker/src/contract/settings.ts';
import { checkCronJobSchedule } from './schedules.ts';

/**
 * The deployment configuration: every value a user sets to deploy keda-transcoder, validated
 * with one schema. One YAML file per environment under charts/environments/ (chosen with
 * DEPLOY_ENV); charts/main.ts is the only reader. A bad value fails synth naming the field.
 */
const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase letters, digits, "-")')
  .max(53);
const arn = (service: string, resource: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-zA-Z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource}`),
      `must be an ARN like arn:aws:${service}:...:123456789012:${resource}...`,
    );
const sqsUrl = z
  .string()
  .regex(
    /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/,
    'must be an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/name',
  );
const s3Prefix = s3UriSchema({ prefix: true });
const positive = z.number().positive();
const seconds = z.number().int().positive();

const Worker = z.strictObject({
  /** vCPU per pod (requests = limits). */
  cpu: positive.default(2),
  memoryMiB: z.number().int().positive().default(4096),
  /** The emptyDir for sources and renditions; the pod's ephemeral-storage request adds 1 GiB. */
  workVolumeGiB: z.number().int().min(1).max(2000).default(20),
  /** Kubernetes Job activeDeadlineSeconds: the longest one attempt may run. */
  jobDeadlineSeconds: seconds.default(6 * 3600),
  ttlSecondsAfterFinished: seconds.default(3600),
  /** Worker settings, passed as the environment variables the worker reads (README: Configuration). */
  idleTimeoutSeconds: seconds.default(DEFAULTS.idleTimeoutSeconds),
  visibilityTimeoutSeconds: seconds.default(DEFAULTS.visibilityTimeoutSeconds),
  heartbeatSeconds: seconds.default(DEFAULTS.heartbeatSeconds),
  retryDelaySeconds: seconds.default(DEFAULTS.retryDelaySeconds),
  retryDelayMaxSeconds: seconds.default(DEFAULTS.retryDelayMaxSeconds),
  shutdownGraceSeconds: seconds.default(DEFAULTS.shutdownGraceSeconds),
  maxReceiveCount: z.number().int().min(1).default(DEFAULTS.maxReceiveCount),
  maxInputBytes: z.number().int().positive().optional(),
  maxDurationSeconds: seconds.optional(),
  maxDimension: z.number().int().positive().optional(),
  maxFrameRate: z.number().int().positive().optional(),
  uploadConcurrency: z.number().int().positive().optional(),
  /** Days after which finished job records expire (DynamoDB TTL on `expiresAt`); unset keeps them. */
  recordTtlDays: z.number().int().positive().optional(),
  logLevel: z.enum(LOG_LEVELS.filter((l) => l !== 'silent')).default(DEFAULTS.logLevel),
  /** The numeric user the image runs as (the Dockerfile's USER). */
  runAsUser: z.number().int().min(1).default(IMAGE_USER),
});

const Scaling = z.strictObject({
  pollingIntervalSeconds: seconds.default(15),
  maxReplicaCount: z.number().int().min(1).default(20),
  successfulJobsHistoryLimit: z.number().int().min(0).default(5),
  failedJobsHistoryLimit: z.number().int().min(0).default(10),
});

const Keda = z.strictObject({
  /**
   * Whose IAM role KEDA uses to read the queue depth: its own operator role (`keda`), the
   * worker's (`workload`), or a role it assumes (`roleArn`). Never keys.
   */
  identity: z
    .union([
      z.strictObject({ owner: z.enum(['keda', 'workload']) }),
      z.strictObject({ roleArn: arn('iam', 'role/') }),
    ])
    .default({ owner: 'keda' }),
});

const Fargate = z.strictObject({
  /** The label the Fargate profile selects, besides the namespace. */
  profileLabel: z.record(z.string(), z.string()).default({ 'keda-transcoder/compute': 'fargate' }),
  logging: z
    .strictObject({
      enabled: z.boolean().default(true),
      logGroup: z.string().min(1).default('/eks/keda-transcoder'),
      retentionDays: z.number().int().positive().default(30),
    })
    .prefault({}),
});

const Karpenter = z.strictObject({
  clusterName: z.string().min(1),
  /** IAM role of the nodes (the node class's `role`). */
  nodeRoleName: z.string().min(1),
  amiAlias: z
    .string()
    .regex(
      /^(al2023|bottlerocket)@(latest|v[\w.-]+)$/,
      'must be al2023@<version> or bottlerocket@<version>',
    )
    .default('al2023@latest'),
  capacityTypes: z
    .array(z.enum(['spot', 'on-demand']))
    .min(1)
    .default(['spot', 'on-demand']),
  instanceCategories: z
    .array(z.string().regex(/^[a-z]$/))
    .min(1)
    .default(['c', 'm']),
  minInstanceGeneration: z.number().int().min(1).default(5),
  architectures: z
    .array(z.enum(['amd64', 'arm64']))
    .min(1)
    .default(['amd64']),
  limits: z
    .strictObject({ cpu: z.number().int().positive(), memoryGiB: z.number().int().positive() })
    .default({ cpu: 64, memoryGiB: 256 }),
  consolidateAfterSeconds: seconds.default(60),
  /** Most nodes Karpenter may disrupt at once (a percentage or a count). */
  disruptionBudget: z
    .string()
    .regex(/^(\d+%?)$/)
    .default('20%'),
  rootVolumeGiB: z.number().int().min(20).default(100),
});

const imageRef = z
  .string()
  .regex(
    /^[\w.-]+(:\d+)?(\/[\w.-]+)+(:[\w.-]+|@sha256:[a-f0-9]{64})$/,
    'must be an image reference with a tag or digest',
  );

/** A directory inside the repository: relative, no `..`. */
const repoPath = z
  .string()
  .regex(/^(\.|[\w.-]+(\/[\w.-]+)*)$/, 'must be a relative path inside the repository')
  .refine((p) => !p.split('/').includes('..'), 'must not leave the repository');

const ArgoCd = z.strictObject({
  enabled: z.boolean().default(false),
  repoURL: z.string().min(1),
  targetRevision: z.string().default('HEAD'),
  /**
   * How Argo CD gets the manifests: `plugin` renders this repository itself (the
   * Config Management Plugin below); `hydrator` has Argo CD's Source Hydrator render it with the
   * same plugin and commit the manifests to a branch it then syncs; `manifests` reads manifests
   * you synthesized and committed.
   */
  source: z.enum(['plugin', 'hydrator', 'manifests']).default('manifests'),
  /**
   * In the repository: the directory holding package.json (plugin, hydrator; default `.`) or the
   * synthesized manifests (manifests; default `dist`).
   */
  path: repoPath.optional(),
  project: z.string().default('default'),
  namespace: z.string().default('argocd'),
  plugin: z
    .strictObject({
      /** The render image: Node 24 and the charts' dependencies (`docker build --target render .`). */
      image: imageRef,
      /** The plugin's name (the Application names it; no discovery rule matches other apps). */
      name: name.default('keda-transcoder-cdk8s'),
      /** ARGOCD_EXEC_TIMEOUT of the sidecar: how long one render may take. */
      execTimeoutSeconds: z.number().int().min(10).max(600).default(90),
    })
    .optional(),
  hydrator: z
    .strictObject({
      /** The branch Argo CD commits the rendered manifests to and syncs from. */
      targetBranch: z.string().min(1).optional(),
      /** Their directory on that branch (never the root). */
      path: repoPath.refine((p) => p !== '.', 'must not be the root of the branch').optional(),
      /** Commit to this branch instead, and sync only what is moved to targetBranch (a review gate). */
      hydrateTo: z.string().min(1).optional(),
    })
    .optional(),
});

const Ack = z.strictObject({
  enabled: z.boolean().default(false),
  accountId: z.string().regex(/^\d{12}$/),
  /** The cluster's OIDC issuer without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
  oidcIssuer: z.string().regex(/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Z0-9]+$/),
  /** Days after which uploaded sources (the `uploads/` prefix) expire. */
  sourceExpirationDays: z.number().int().positive().default(30),
});

const Schedule = z.strictObject({
  /** The CronJob's name suffix: `<name>-schedule-<this>`. */
  name: z
    .string()
    .regex(
      /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/,
      'must be a DNS label (lowercase letters, digits, "-")',
    )
    .max(30),
  /** Five-field cron, as for POST /jobs/schedule (without EventBridge's L, W and #). */
  cron: z.string().min(1),
  timezone: z.string().default('UTC'),
  suspend: z.boolean().default(false),
  /** The job message each run enqueues (the message contract; no jobId: every run is a new job). */
  job: z.record(z.string(), z.unknown()),
});

/** Where finished jobs are announced (README "Job events"). */
const Events = z.strictObject({
  /** Every job's terminal state is published to this SNS topic. */
  snsTopicArn: arn('sns', '[\\w.-]+$').optional(),
  /** ...and put on this EventBridge bus (`default` is the account's default bus). */
  eventBusArn: arn('events', 'event-bus/[\\w.\\-/]+$').optional(),
  /** The events' `source` (EventBridge rules match on it). @default the deployment's name */
  source: z.string().regex(EVENTS_SOURCE.pattern, EVENTS_SOURCE.message).optional(),
  /**
   * Webhooks named in job messages (`"webhook": "https://..."`), signed with the secret in this
   * Secret (Standard Webhooks; `whsec_<base64>` or any string of 16+ characters). Unset: off.
   */
  webhooks: z
    .strictObject({
      secret: z.strictObject({ name, key: z.string().min(1).default('secret') }),
      timeoutSeconds: z.number().int().min(1).max(60).optional(),
      attempts: z.number().int().min(1).max(10).optional(),
    })
    .optional(),
});

const Control = z.strictObject({
  /** IAM role (IRSA) of the API and of the schedules' CronJobs (dist/iam/control-policy.json). */
  roleArn: arn('iam', 'role/'),
  api: z
    .strictObject({
      /** Deploy the control API (a Deployment, Service and PodDisruptionBudget). */
      enabled: z.boolean().default(false),
      replicas: z.number().int().min(1).max(20).default(2),
      cpu: positive.default(0.25),
      memoryMiB: z.number().int().min(128).default(256),
      /** An existing Secret holding the bearer tokens (comma-separated) under `key`. */
      tokensSecret: z
        .strictObject({ name: name.optional(), key: z.string().min(1).default('tokens') })
        .prefault({}),
      /** The role EventBridge Scheduler assumes to send to the queue; unset disables POST /jobs/schedule. */
      schedulerRoleArn: arn('iam', 'role/').optional(),
      scheduleGroup: z
        .string()
        .regex(SCHEDULE_GROUP.pattern, SCHEDULE_GROUP.message)
        .default(DEFAULTS.scheduleGroup),
      /** Where POST /uploads presigns PUTs (default: the first input prefix). */
      uploadUri: s3Prefix.optional(),
      /** Largest upload; over one part it goes multipart (S3 takes up to 5 TiB). */
      uploadMaxBytes: z
        .number()
        .int()
        .positive()
        .max(5 * 1024 ** 4)
        .optional(),
      /** Preferred multipart part size in MiB (parts grow for files of over 10,000 parts). */
      uploadPartSizeMb: z.number().int().min(5).max(5120).optional(),
      /**
       * Origins that serve the API's page (https://transcoder.example.com): the bucket lets them
       * PUT upload parts and read the ETag (ACK buckets; see the README for other buckets).
       */
      corsOrigins: z
        .array(
          z
            .string()
            .regex(
              /^(https:\/\/[a-z0-9.-]+(:\d+)?|http:\/\/(localhost|127\.0\.0\.1)(:\d+)?)$/,
              'must be an origin like https://transcoder.example.com (no path)',
            ),
        )
        .default([]),
      uploadUrlTtlSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 24 * 3600)
        .optional(),
    })
    .prefault({}),
  /** Recurring jobs kept in Git: each becomes a CronJob that enqueues with the CLI. */
  schedules: z.array(Schedule).default([]),
  /** Resources of a schedule's enqueue pod. */
  scheduleResources: z
    .strictObject({
      cpu: positive.default(0.25),
      memoryMiB: z.number().int().min(128).default(256),
    })
    .prefault({}),
});

export const DeploymentConfigSchema = z
  .strictObject({
    /** Prefix of every object's name. */
    name: name.default('keda-transcoder'),
    namespace: name.default('keda-transcoder'),
    image: imageRef,
    region: z.string().regex(AWS_REGION.pattern, AWS_REGION.message),
    queueUrl: sqsUrl,
    deadLetterQueueUrl: sqsUrl,
    outputUri: s3Prefix,
    /** Prefixes the worker may read sources from (default: the output bucket's uploads/). */
    inputUris: z.array(s3Prefix).min(1).optional(),
    tableName: z.string().regex(TABLE_NAME.pattern, TABLE_NAME.message),
    workerRoleArn: arn('iam', 'role/'),
    placement: z.enum(['fargate', 'karpenter']),
    /**
     * How the worker and control pods get their IAM roles: `irsa` (the service account's
     * role annotation; every placement) or `pod-identity` (EKS Pod Identity associations; EC2
     * nodes only, so Karpenter placement only).
     */
    identity: z.enum(['irsa', 'pod-identity']).default('irsa'),
    worker: Worker.prefault({}),
    scaling: Scaling.prefault({}),
    keda: Keda.prefault({}),
    fargate: Fargate.prefault({}),
    karpenter: Karpenter.optional(),
    argocd: ArgoCd.optional(),
    ack: Ack.optional(),
    control: Control.optional(),
    events: Events.prefault({}),
  })
  .superRefine((c, ctx) => {
    if (c.placement === 'karpenter' && !c.karpenter) {
      ctx.addIssue({
        code: 'custom',
        path: ['karpenter'],
        message: 'is required when placement is karpenter',
      });
    }
    const heartbeat = heartbeatProblem(
      c.worker.heartbeatSeconds,
      c.worker.visibilityTimeoutSeconds,
      { visibility: 'worker.visibilityTimeoutSeconds' },
    );
    if (heartbeat)
      ctx.addIssue({ code: 'custom', path: ['worker', 'heartbeatSeconds'], message: heartbeat });
    const delay = retryDelayProblem(c.worker.retryDelaySeconds, c.worker.retryDelayMaxSeconds, {
      first: 'worker.retryDelaySeconds',
    });
    if (delay)
      ctx.addIssue({ code: 'custom', path: ['worker', 'retryDelayMaxSeconds'], message: delay });
    if (c.worker.shutdownGraceSeconds + 5 > c.worker.jobDeadlineSeconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['worker', 'shutdownGraceSeconds'],
        message: 'must leave room in worker.jobDeadlineSeconds',
      });
    }
    const upload = c.control?.api.uploadUri;
    const inputs = c.inputUris ?? [{ bucket: c.outputUri.bucket, key: 'uploads/' }];
    if (upload && !inputs.some((i) => i.bucket === upload.bucket && upload.key.startsWith(i.key)))
      ctx.addIssue({
        code: 'custom',
        path: ['control', 'api', 'uploadUri'],
        message: 'must be under one of inputUris, or the worker could not read what is uploaded',
      });
    const schedules = c.control?.schedules ?? [];
    schedules.forEach((schedule, i) => {
      const path = ['control', 'schedules', i];
      const cron = checkCronJobSchedule(schedule.cron);
      if (cron) ctx.addIssue({ code: 'custom', path: [...path, 'cron'], message: cron });
      if (!isTimeZone(schedule.timezone))
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'timezone'],
          message: `"${schedule.timezone}" is not an IANA time zone (like Europe/Paris or UTC)`,
        });
      if ('jobId' in schedule.job)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'job', 'jobId'],
          message: 'must not be set: a schedule runs many times and each run is a new job',
        });
      const job = validateJobMessage(schedule.job);
      if (!job.ok)
        for (const p of job.problems)
          ctx.addIssue({
            code: 'custom',
            path: [...path, 'job', ...(p.field ? p.field.split('.') : [])],
            message: p.message,
          });
      if (schedules.findIndex((s) => s.name === schedule.name) !== i)
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'name'],
          message: `"${schedule.name}" is used by another schedule`,
        });
    });
    if (c.identity === 'pod-identity' && c.placement === 'fargate')
      ctx.addIssue({
        code: 'custom',
        path: ['identity'],
        message:
          'pod-identity needs the EKS Pod Identity Agent, which runs on EC2 nodes only: Fargate pods use irsa (or choose placement karpenter)',
      });
    if (
      c.identity === 'pod-identity' &&
      'owner' in c.keda.identity &&
      c.keda.identity.owner === 'workload'
    )
      ctx.addIssue({
        code: 'custom',
        path: ['keda', 'identity'],
        message:
          "owner workload has KEDA read the worker service account's IRSA role annotation, which pod-identity leaves off: use { owner: keda } or { roleArn: ... }",
      });
    if (c.argocd?.enabled && c.argocd.source !== 'manifests' && !c.argocd.plugin)
      ctx.addIssue({
        code: 'custom',
        path: ['argocd', 'plugin'],
        message: `is required when argocd.source is ${c.argocd.source}: set plugin.image to the render image`,
      });
    if (c.argocd?.hydrator && c.argocd.source !== 'hydrator')
      ctx.addIssue({
        code: 'custom',
        path: ['argocd', 'hydrator'],
        message: 'applies only when argocd.source is hydrator',
      });
    const queueRegion = /sqs\.([a-z0-9-]+)\./.exec(c.queueUrl)?.[1];
    if (queueRegion && queueRegion !== c.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['queueUrl'],
        message: `is in ${queueRegion}, not in region ${c.region}`,
      });
    }
  });

export type DeploymentConfig = z.output<typeof DeploymentConfigSchema>;
export type DeploymentInput = z.input<typeof DeploymentConfigSchema>;

export class DeploymentConfigError extends Error {
  constructor(source: string, issues: readonly string[]) {
    super(`invalid deployment configuration in ${source}:\n  - ${issues.join('\n  - ')}`);
    this.name = 'DeploymentConfigError';
  }
}

/** Validates a parsed config file; the error names every bad field by its path. */
export function parseDeploymentConfig(
  input: unknown,
  source = 'the deployment config',
): DeploymentConfig {
  const parsed = DeploymentConfigSchema.safeParse(input);
  if (!parsed.success) {
    throw new DeploymentConfigError(
      source,
      parsed.error.issues.map((issue) => {
        const field = issue.path.join('.') || '(top level)';
        if (issue.code === 'unrecognized_keys')
          return `${field}: unknown field(s) ${issue.keys.join(', ')}`;
        return `${field}: ${issue.message}`;
      }),
    );
  }
  return parsed.data;
}

export { accountOf, queueArn, queueName } from '../../worker/src/contract/queue-url.ts';
