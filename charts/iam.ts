import { formatS3Uri, type S3Location } from '../worker/src/job/s3-uri.ts';
import { accountOf, queueArn, type DeploymentConfig } from './config.ts';

/**
 * The worker's IAM policy: only the actions it calls, only on its queue, DLQ, bucket prefixes
 * and table. The same document goes into the ACK Policy and, as plain JSON, to users without
 * ACK (dist/iam/).
 */
export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: string | readonly string[];
    readonly Condition?: Record<string, Record<string, string | readonly string[]>>;
  }[];
}

export function inputPrefixes(config: DeploymentConfig): readonly S3Location[] {
  return config.inputUris ?? [{ bucket: config.outputUri.bucket, key: 'uploads/' }];
}

export function workerPolicy(config: DeploymentConfig): PolicyDocument {
  const accountId = accountOf(config.queueUrl);
  const objects = (l: S3Location) => `arn:aws:s3:::${l.bucket}/${l.key}*`;
  const inputs = inputPrefixes(config);
  const byBucket = new Map<string, string[]>();
  for (const l of inputs) byBucket.set(l.bucket, [...(byBucket.get(l.bucket) ?? []), `${l.key}*`]);
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
        Sid: 'DeadLetter',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: queueArn(config.deadLetterQueueUrl, config.region),
      },
      {
        Sid: 'ReadSources',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: inputs.map(objects),
      },
      // Without ListBucket a missing source answers 403, not 404; scoped to the input prefixes.
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
        Resource: objects(config.outputUri),
      },
      {
        Sid: 'Ledger',
        Effect: 'Allow',
        Action: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          'dynamodb:UpdateItem',
          'dynamodb:BatchGetItem',
        ],
        Resource: `arn:aws:dynamodb:${config.region}:${accountId}:table/${config.tableName}`,
      },
    ],
  };
}

/** Lets exactly the worker's ServiceAccount assume the role through the cluster's OIDC provider. */
export function workerTrustPolicy(
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
