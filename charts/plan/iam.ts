import { formatS3Uri, type S3Location } from '../../worker/src/contract/s3-uri.ts';
import type { PolicyDocument } from '../constructs/policy-document.ts';
import { accountOf, queueArn, type DeploymentConfig } from '../config/config.ts';

export function inputPrefixes(config: DeploymentConfig): readonly S3Location[] {
  return config.inputUris ?? [{ bucket: config.outputUri.bucket, key: 'uploads/' }];
}

/** Where presigned uploads go: control.api.uploadUri, else the first input prefix. */
export function uploadPrefix(config: DeploymentConfig): S3Location {
  return config.control?.api.uploadUri ?? inputPrefixes(config)[0]!;
}

/** Where a split job's parts wait for the stitch: worker.workUri, else `<outputUri>_work/`. */
export function workPrefix(config: DeploymentConfig): S3Location {
  return (
    config.worker.workUri ?? {
      bucket: config.outputUri.bucket,
      key: `${config.outputUri.key}_work/`,
    }
  );
}

/**
 * The worker's IAM policy: only the actions it calls, only on its queue, DLQ, bucket prefixes
 * and table. The same document goes into the ACK Policy and, as plain JSON, to users without
 * ACK (dist/iam/).
 */
export function workerPolicy(config: DeploymentConfig): PolicyDocument {
  const objects = (l: S3Location) => `arn:aws:s3:::${l.bucket}/${l.key}*`;
  const inputs = inputPrefixes(config);
  const work = workPrefix(config);
  const byBucket = new Map<string, string[]>();
  for (const l of [...inputs, work])
    byBucket.set(l.bucket, [...(byBucket.get(l.bucket) ?? []), `${l.key}*`]);
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'TakeJobs',
        Effect: 'Allow',
        Action: ['sqs:ReceiveMessage', 'sqs:ChangeMessageVisibility', 'sqs:DeleteMessage'],
        Resource: queueArn(config.queueUrl, config.region),
      },
      {
        // The dead-letter copies, and a long source's chunk, audio and stitch tasks.
        Sid: 'SendMessages',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [
          queueArn(config.queueUrl, config.region),
          queueArn(config.deadLetterQueueUrl, config.region),
        ],
      },
      {
        Sid: 'ReadSources',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: [...inputs.map(objects), objects(work)],
      },
      // Without ListBucket a missing source answers 403, not 404; scoped to the input prefixes
      // and the split parts' prefix (listed by the stitch).
      ...[...byBucket].map(([bucket, prefixes], i) => ({
        Sid: `TellMissingSources${i}`,
        Effect: 'Allow' as const,
        Action: ['s3:ListBucket'],
        Resource: `arn:aws:s3:::${bucket}`,
        Condition: { StringLike: { 's3:prefix': prefixes } },
      })),
      {
        Sid: 'WriteRenditions',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload'],
        Resource: [objects(config.outputUri), objects(work)],
      },
      // A split job's parts are removed after its stitch (or its failure).
      {
        Sid: 'RemoveSplitParts',
        Effect: 'Allow',
        Action: ['s3:DeleteObject'],
        Resource: objects(work),
      },
      ledgerStatement(config, []),
      ...(config.events.snsTopicArn
        ? [
            {
              Sid: 'PublishJobEvents',
              Effect: 'Allow' as const,
              Action: ['sns:Publish'],
              Resource: config.events.snsTopicArn,
            },
          ]
        : []),
      ...(config.events.eventBusArn
        ? [
            {
              Sid: 'PutJobEvents',
              Effect: 'Allow' as const,
              Action: ['events:PutEvents'],
              Resource: config.events.eventBusArn,
            },
          ]
        : []),
    ],
  };
}

/**
 * The control plane's policy (the API and the schedules' CronJobs share one role): enqueue,
 * read the ledger and its indexes, look after the DLQ, presign uploads to the upload prefix,
 * and, when schedules go through EventBridge Scheduler, manage schedules in its own group and
 * pass exactly the scheduler's role to exactly that service.
 */
export function controlPolicy(config: DeploymentConfig): PolicyDocument {
  const accountId = accountOf(config.queueUrl);
  const api = config.control?.api;
  const table = tableArn(config);
  const upload = uploadPrefix(config);
  const statements: PolicyDocument['Statement'][number][] = [
    {
      Sid: 'Enqueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage', 'sqs:GetQueueAttributes'],
      Resource: queueArn(config.queueUrl, config.region),
    },
    // ConditionCheckItem: the API's idempotency keys.
    ledgerStatement(config, ['dynamodb:ConditionCheckItem']),
    {
      Sid: 'ListJobs',
      Effect: 'Allow',
      Action: ['dynamodb:Query'],
      Resource: `${table}/index/*`,
    },
  ];
  if (api?.enabled) {
    statements.push(
      {
        // List (receive, then release) and redrive: a move task from the DLQ, or re-sending.
        Sid: 'DeadLetters',
        Effect: 'Allow',
        Action: [
          'sqs:GetQueueAttributes',
          'sqs:ReceiveMessage',
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:StartMessageMoveTask',
          'sqs:ListMessageMoveTasks',
        ],
        Resource: queueArn(config.deadLetterQueueUrl, config.region),
      },
      {
        // The page's player and GET /jobs/{id}/outputs read renditions through the API.
        Sid: 'PreviewOutputs',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: `arn:aws:s3:::${config.outputUri.bucket}/${config.outputUri.key}*`,
      },
      {
        // Presigned PUTs and parts carry the API's identity (s3:PutObject covers creating,
        // sending and completing a multipart upload); it checks the completed size (HeadObject:
        // s3:GetObject), removes an upload of the wrong size, and aborts unfinished ones.
        Sid: 'Uploads',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:GetObject', 's3:DeleteObject'],
        Resource: `arn:aws:s3:::${upload.bucket}/${upload.key}*`,
      },
    );
  }
  if (api?.enabled && api.schedulerRoleArn) {
    statements.push(
      {
        Sid: 'Schedules',
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:GetSchedule', 'scheduler:DeleteSchedule'],
        Resource: `arn:aws:scheduler:${config.region}:${accountId}:schedule/${api.scheduleGroup}/*`,
      },
      {
        Sid: 'ScheduleGroup',
        Effect: 'Allow',
        Action: ['scheduler:CreateScheduleGroup', 'scheduler:GetScheduleGroup'],
        Resource: `arn:aws:scheduler:${config.region}:${accountId}:schedule-group/${api.scheduleGroup}`,
      },
      {
        // ListSchedules has no resource type: IAM only accepts "*" for it.
        Sid: 'ListSchedules',
        Effect: 'Allow',
        Action: ['scheduler:ListSchedules'],
        Resource: '*',
      },
      {
        Sid: 'PassSchedulerRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: api.schedulerRoleArn,
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      },
    );
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** What EventBridge Scheduler may do with the role it assumes: send to the queue, and its
 * undeliverable runs to the DLQ. */
export function schedulerPolicy(config: DeploymentConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'SendJobsAndDeadLetters',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [
          queueArn(config.queueUrl, config.region),
          queueArn(config.deadLetterQueueUrl, config.region),
        ],
      },
    ],
  };
}

/** Lets EventBridge Scheduler, for this account's schedules in our group only, assume the role. */
export function schedulerTrustPolicy(config: DeploymentConfig, accountId: string) {
  const group = config.control?.api.scheduleGroup ?? 'keda-transcoder';
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'scheduler.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': accountId },
          ArnLike: {
            'aws:SourceArn': `arn:aws:scheduler:${config.region}:${accountId}:schedule-group/${group}`,
          },
        },
      },
    ],
  } as const;
}

/** Lets exactly one ServiceAccount assume the role through the cluster's OIDC provider. */
export function irsaTrustPolicy(
  config: DeploymentConfig,
  accountId: string,
  oidcIssuer: string,
  serviceAccount: string,
) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${oidcIssuer}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${oidcIssuer}:sub`]: `system:serviceaccount:${config.namespace}:${serviceAccount}`,
            [`${oidcIssuer}:aud`]: 'sts.amazonaws.com',
          },
        },
      },
    ],
  } as const;
}

/**
 * The trust policy of a role used through EKS Pod Identity: the Pod Identity service assumes
 * it (and tags the session with the cluster, namespace and service account); which pods get it
 * is the association's business, not the policy's.
 */
export function podIdentityTrustPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'AllowEksPodIdentity',
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
      },
    ],
  } as const;
}

/** The queue-depth permission KEDA needs for its own role (identity owner `keda` or a roleArn). */
export function scalerPolicy(config: DeploymentConfig): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadQueueDepth',
        Effect: 'Allow',
        Action: ['sqs:GetQueueAttributes'],
        Resource: queueArn(config.queueUrl, config.region),
      },
    ],
  };
}

export function describePrefixes(config: DeploymentConfig): string[] {
  return inputPrefixes(config).map(formatS3Uri);
}

function tableArn(config: DeploymentConfig): string {
  return `arn:aws:dynamodb:${config.region}:${accountOf(config.queueUrl)}:table/${config.tableName}`;
}

/** Job records and stats: read, write conditionally, read the stats shards at once. */
function ledgerStatement(
  config: DeploymentConfig,
  extra: readonly string[],
): PolicyDocument['Statement'][number] {
  return {
    Sid: 'Ledger',
    Effect: 'Allow',
    Action: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:BatchGetItem',
      ...extra,
    ],
    Resource: tableArn(config),
  };
}
