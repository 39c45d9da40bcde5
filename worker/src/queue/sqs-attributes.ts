import type { Message, MessageAttributeValue, SQSClient } from '@aws-sdk/client-sqs';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { classifyAwsError } from '../base/errors.ts';
import type { QueueDepth } from '../control/ports.ts';

/** A string message attribute (SQS refuses empty values: "-" stands for one). */
export function stringAttribute(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value === '' ? '-' : value };
}

/** The string-valued message attributes of a received message, by name. */
export function stringAttributesOf(m: Pick<Message, 'MessageAttributes'>): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(m.MessageAttributes ?? {})) {
    if (value.StringValue !== undefined) attributes[name] = value.StringValue;
  }
  return attributes;
}

/** A queue's approximate depth: waiting, in flight (or waiting out a retry delay), delayed. */
export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<QueueDepth> {
  try {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    const a = out.Attributes ?? {};
    return {
      visible: Number(a.ApproximateNumberOfMessages ?? 0),
      inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
      delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
    };
  } catch (err) {
    throw classifyAwsError(err, 'SQS GetQueueAttributes');
  }
}
