import { Construct } from 'constructs';
import { Table } from '../../imports/ackdynamodb-dynamodb.services.k8s.aws.ts';
import { Policy } from '../../imports/ackiampolicy-iam.services.k8s.aws.ts';
import { Role } from '../../imports/ackiamrole-iam.services.k8s.aws.ts';
import { Bucket } from '../../imports/acks3-s3.services.k8s.aws.ts';
import { Queue } from '../../imports/acksqs-sqs.services.k8s.aws.ts';
import { tableDefinition } from '../../worker/src/contract/table.ts';
import type { PolicyDocument } from './policy-document.ts';

export interface AwsResourcesProps {
  /** Prefix of the Kubernetes object names. */
  readonly name: string;
  readonly queueName: string;
  readonly deadLetterQueueName: string;
  readonly deadLetterQueueArn: string;
  /** Receives before SQS moves a message to the DLQ (the worker's MAX_RECEIVE_COUNT). */
  readonly maxReceiveCount: number;
  readonly visibilityTimeoutSeconds: number;
  readonly bucketName: string;
  /** Prefix of uploaded sources, which expire. */
  readonly sourcePrefix: string;
  readonly sourceExpirationDays: number;
  /** Origins of the API's page, allowed to PUT upload parts and read their ETag. @default none */
  readonly uploadCorsOrigins?: readonly string[];
  readonly tableName: string;
  readonly roleName: string;
  readonly trustPolicy: object;
  readonly workerPolicy: PolicyDocument;
  /** The control plane's IRSA role (API and schedule CronJobs), when deployed. */
  readonly control?: RoleSpec;
  /** The role EventBridge Scheduler assumes to send scheduled jobs, when schedules are on. */
  readonly scheduler?: RoleSpec;
}

export interface RoleSpec {
  readonly roleName: string;
  readonly trustPolicy: object;
  readonly policy: PolicyDocument;
}

/** An IAM role and its one managed policy, as ACK objects named `<objectName>`. */
export class AckRole extends Construct {
  readonly role: Role;
  readonly policy: Policy;

  constructor(
    scope: Construct,
    id: string,
    props: RoleSpec & { readonly objectName: string; readonly description: string },
  ) {
    super(scope, id);
    this.policy = new Policy(this, 'policy', {
      metadata: { name: props.objectName },
      spec: {
        name: `${props.roleName}-policy`,
        description: props.description,
        policyDocument: JSON.stringify(props.policy),
      },
    });
    this.role = new Role(this, 'role', {
      metadata: { name: props.objectName },
      spec: {
        name: props.roleName,
        description: props.description,
        assumeRolePolicyDocument: JSON.stringify(props.trustPolicy),
        maxSessionDuration: 3600,
        policyRefs: [{ from: { name: this.policy.name } }],
      },
    });
  }
}

/**
 * The AWS side through AWS Controllers for Kubernetes (optional): the work queue and its DLQ
 * (redrive after maxReceiveCount), the media bucket (no public access, encrypted, sources
 * expire, stale multipart uploads aborted), the ledger table (on demand, point-in-time
 * recovery, the same key schema the worker and the local stack use), and the IAM roles: the
 * worker's and the control plane's, each trusting only its ServiceAccount, and the one
 * EventBridge Scheduler assumes; each with its least-privilege policy.
 */
export class AwsResources extends Construct {
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly bucket: Bucket;
  readonly table: Table;
  readonly worker: AckRole;
  readonly control?: AckRole;
  readonly scheduler?: AckRole;

  constructor(scope: Construct, id: string, props: AwsResourcesProps) {
    super(scope, id);
    this.deadLetterQueue = new Queue(this, 'dlq', {
      metadata: { name: `${props.name}-dlq` },
      spec: {
        queueName: props.deadLetterQueueName,
        messageRetentionPeriod: String(14 * 24 * 3600),
        sqsManagedSseEnabled: 'true',
      },
    });
    this.queue = new Queue(this, 'queue', {
      metadata: { name: `${props.name}-queue` },
      spec: {
        queueName: props.queueName,
        visibilityTimeout: String(props.visibilityTimeoutSeconds),
        receiveMessageWaitTimeSeconds: '20',
        messageRetentionPeriod: String(4 * 24 * 3600),
        sqsManagedSseEnabled: 'true',
        redrivePolicy: JSON.stringify({
          deadLetterTargetArn: props.deadLetterQueueArn,
          maxReceiveCount: props.maxReceiveCount,
        }),
      },
    });

    this.bucket = new Bucket(this, 'bucket', {
      metadata: { name: `${props.name}-media` },
      spec: {
        name: props.bucketName,
        publicAccessBlock: {
          blockPublicAcLs: true,
          ignorePublicAcLs: true,
          blockPublicPolicy: true,
          restrictPublicBuckets: true,
        },
        ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
        ...(props.uploadCorsOrigins?.length
          ? {
              cors: {
                corsRules: [
                  {
                    id: 'page-uploads',
                    allowedMethods: ['PUT'],
                    allowedOrigins: [...props.uploadCorsOrigins],
                    allowedHeaders: ['content-type', 'content-length'],
                    exposeHeaders: ['ETag'],
                    maxAgeSeconds: 600,
                  },
                ],
              },
            }
          : {}),
        encryption: {
          rules: [
            {
              applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' },
              bucketKeyEnabled: true,
            },
          ],
        },
        lifecycle: {
          rules: [
            {
              id: 'expire-sources',
              status: 'Enabled',
              filter: { prefix: props.sourcePrefix },
              expiration: { days: props.sourceExpirationDays },
            },
            {
              id: 'abort-stale-multipart-uploads',
              status: 'Enabled',
              filter: { prefix: '' },
              abortIncompleteMultipartUpload: { daysAfterInitiation: 2 },
            },
          ],
        },
      },
    });

    const definition = tableDefinition(props.tableName);
    this.table = new Table(this, 'table', {
      metadata: { name: `${props.name}-jobs` },
      spec: {
        tableName: props.tableName,
        billingMode: definition.BillingMode!,
        attributeDefinitions: (definition.AttributeDefinitions ?? []).map((a) => ({
          attributeName: a.AttributeName!,
          attributeType: a.AttributeType!,
        })),
        keySchema: (definition.KeySchema ?? []).map((k) => ({
          attributeName: k.AttributeName!,
          keyType: k.KeyType!,
        })),
        globalSecondaryIndexes: (definition.GlobalSecondaryIndexes ?? []).map((g) => ({
          indexName: g.IndexName!,
          keySchema: (g.KeySchema ?? []).map((k) => ({
            attributeName: k.AttributeName!,
            keyType: k.KeyType!,
          })),
          projection: { projectionType: g.Projection?.ProjectionType ?? 'ALL' },
        })),
        continuousBackups: { pointInTimeRecoveryEnabled: true },
        // Idempotency keys always carry `expiresAt` (24 h); job records only with recordTtlDays.
        timeToLive: { attributeName: 'expiresAt', enabled: true },
      },
    });

    this.worker = new AckRole(this, 'worker', {
      objectName: `${props.name}-worker`,
      roleName: props.roleName,
      trustPolicy: props.trustPolicy,
      policy: props.workerPolicy,
      description: 'keda-transcoder worker (IRSA): its queue, DLQ, bucket prefixes and table',
    });
    if (props.control) {
      this.control = new AckRole(this, 'control', {
        objectName: `${props.name}-control`,
        ...props.control,
        description: 'keda-transcoder API and schedules (IRSA): enqueue, read, DLQ, uploads',
      });
    }
    if (props.scheduler) {
      this.scheduler = new AckRole(this, 'scheduler', {
        objectName: `${props.name}-scheduler`,
        ...props.scheduler,
        description: 'EventBridge Scheduler sends scheduled keda-transcoder jobs to the queue',
      });
    }
  }
}
