import {
  CreateTableCommand,
  waitUntilTableExists,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import { CreateTopicCommand, SubscribeCommand, type SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { tableDefinition } from '../../worker/src/contract/table.ts';

export interface Resources {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly bucket: string;
  readonly tableName: string;
}

export interface EventTopic {
  readonly topicArn: string;
  /** A queue subscribed to the topic (raw delivery): what an application would read. */
  readonly tapQueueUrl: string;
}

/**
 * An SNS topic for job events with a queue subscribed to it, as an application would subscribe:
 * the local stand-in for the deployment's `events.snsTopicArn`.
 */
export async function provisionEventTopic(
  clients: { sqs: SQSClient; sns: SNSClient },
  name: string,
): Promise<EventTopic> {
  const topic = await clients.sns.send(new CreateTopicCommand({ Name: name }));
  const tap = await clients.sqs.send(new CreateQueueCommand({ QueueName: `${name}-tap` }));
  const tapArn = (
    await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: tap.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  await clients.sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn,
      Protocol: 'sqs',
      Endpoint: tapArn,
      Attributes: { RawMessageDelivery: 'true' },
    }),
  );
  return { topicArn: topic.TopicArn!, tapQueueUrl: tap.QueueUrl! };
}

export interface ProvisionOptions {
  /**
   * Lowercase letters, digits and hyphens; names every resource (`<prefix>-jobs`,
   * `<prefix>-jobs-dlq`, `<prefix>-media`), so tests can isolate.
   */
  readonly prefix: string;
  /** Exact names instead (the local run takes them from the deployment config). */
  readonly names?: {
    readonly queue: string;
    readonly deadLetterQueue: string;
    readonly bucket: string;
    readonly table: string;
  };
  /** Receives before SQS moves a message to the DLQ: the first try plus two retries. */
  readonly maxReceiveCount?: number;
  readonly visibilityTimeoutSeconds?: number;
}

/** Work queue with its dead-letter queue, the media bucket and the ledger table. */
export async function provision(
  clients: { sqs: SQSClient; s3: S3Client; dynamodb: DynamoDBClient },
  options: ProvisionOptions,
): Promise<Resources> {
  const { sqs, s3, dynamodb } = clients;
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.names?.deadLetterQueue ?? `${options.prefix}-jobs-dlq`,
      Attributes: { MessageRetentionPeriod: String(14 * 24 * 3600) },
    }),
  );
  const dlqArn = (
    await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    )
  ).Attributes?.QueueArn;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: options.names?.queue ?? `${options.prefix}-jobs`,
      Attributes: {
        VisibilityTimeout: String(options.visibilityTimeoutSeconds ?? 120),
        ReceiveMessageWaitTimeSeconds: '20',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: dlqArn,
          maxReceiveCount: String(options.maxReceiveCount ?? 3),
        }),
      },
    }),
  );
  const bucket = options.names?.bucket ?? `${options.prefix}-media`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const tableName = options.names?.table ?? `${options.prefix}-jobs`;
  await dynamodb.send(new CreateTableCommand(tableDefinition(tableName)));
  await waitUntilTableExists({ client: dynamodb, maxWaitTime: 30 }, { TableName: tableName });
  return { queueUrl: queue.QueueUrl!, deadLetterQueueUrl: dlq.QueueUrl!, bucket, tableName };
}
