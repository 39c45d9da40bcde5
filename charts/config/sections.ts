import { z } from 'zod';
import { IMAGE_USER } from '../../worker/src/contract/image.ts';
import { s3UriSchema } from '../../worker/src/contract/s3-uri.ts';
import {
  DEFAULTS,
  EVENTS_SOURCE,
  LOG_LEVELS,
  SCHEDULE_GROUP,
} from '../../worker/src/contract/settings.ts';

/** The deployment config's sections, one schema each (config.ts puts them together). */
export const name = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase letters, digits, "-")')
  .max(53);
export const arn = (service: string, resource: string) =>
  z
    .string()
    .regex(
      new RegExp(`^arn:aws[a-zA-Z-]*:${service}:[a-z0-9-]*:\\d{12}:${resource}`),
      `must be an ARN like arn:aws:${service}:...:123456789012:${resource}...`,
    );
export const sqsUrl = z
  .string()
  .regex(
    /^https:\/\/sqs\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\/\d{12}\/[A-Za-z0-9_-]{1,80}$/,
    'must be an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/name',
  );
export const s3Prefix = s3UriSchema({ prefix: true });
const positive = z.number().positive();
const seconds = z.number().int().positive();

export const Worker = z.strictObject({
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
  /**
   * Sources longer than this are split across many Jobs (chunks transcoded at once, then
   * stitched: README "Long sources"); 0 never splits.
   */
  splitThresholdSeconds: z.number().int().min(0).default(DEFAULTS.splitThresholdSeconds),
  /** The length of a split source's chunks, rounded to whole 4 s segments. */
  chunkSeconds: z.number().int().min(4).max(3600).default(DEFAULTS.chunkSeconds),
  /** The first chunk's length, from which the next ramp up to chunkSeconds; 0: no ramp. */
  firstChunkSeconds: z.number().int().min(0).max(3600).default(DEFAULTS.firstChunkSeconds),
  /** Where a split job's parts wait for the stitch; default `<outputUri>_work/`. */
  workUri: s3Prefix.optional(),
  /** Days after which finished job records expire (DynamoDB TTL on `expiresAt`); unset keeps them. */
  recordTtlDays: z.number().int().positive().optional(),
  logLevel: z.enum(LOG_LEVELS).exclude(['silent']).default(DEFAULTS.logLevel),
  /** The numeric user the image runs as (the Dockerfile's USER). */
  runAsUser: z.number().int().min(1).default(IMAGE_USER),
});

export const Scaling = z.strictObject({
  pollingIntervalSeconds: seconds.default(15),
  maxReplicaCount: z.number().int().min(1).default(20),
  successfulJobsHistoryLimit: z.number().int().min(0).default(5),
  failedJobsHistoryLimit: z.number().int().min(0).default(10),
});

export const Keda = z.strictObject({
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

export const Fargate = z.strictObject({
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

export const Karpenter = z.strictObject({
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

export const imageRef = z
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

export const ArgoCd = z.strictObject({
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

export const Ack = z.strictObject({
  enabled: z.boolean().default(false),
  accountId: z.string().regex(/^\d{12}$/),
  /** The cluster's OIDC issuer without https://, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC. */
  oidcIssuer: z.string().regex(/^oidc\.eks\.[a-z0-9-]+\.amazonaws\.com\/id\/[A-Z0-9]+$/),
  /** Days after which uploaded sources (the `uploads/` prefix) expire. */
  sourceExpirationDays: z.number().int().positive().default(30),
});

export const Schedule = z.strictObject({
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
export const Events = z.strictObject({
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

export const Control = z.strictObject({
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
