import { z } from 'zod';
import { isTimeZone } from '../../worker/src/contract/cron.ts';
import { validateJobMessage } from '../../worker/src/contract/message.ts';
import {
  AWS_REGION,
  heartbeatProblem,
  retryDelayProblem,
  TABLE_NAME,
} from '../../worker/src/contract/settings.ts';
import { checkCronJobSchedule } from './schedules.ts';
import {
  Ack,
  ArgoCd,
  arn,
  Control,
  Events,
  Fargate,
  imageRef,
  Karpenter,
  Keda,
  name,
  s3Prefix,
  Scaling,
  sqsUrl,
  Worker,
} from './sections.ts';

/**
 * The deployment configuration: every value a user sets to deploy keda-transcoder, validated
 * with one schema. One YAML file per environment under charts/environments/ (chosen with
 * DEPLOY_ENV); charts/main.ts is the only reader. A bad value fails synth naming the field.
 */
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
