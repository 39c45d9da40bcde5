import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { classifyAwsError } from '../base/errors.ts';
import type { JobEvent } from '../record/job-event.ts';

/**
 * The SNS adapter: a job event on the deployment's topic, the CloudEvent as the message, with
 * attributes a subscription's filter policy can match (`type`, `status`, `jobId`).
 */
export class SnsPublisher {
  readonly #sns: SNSClient;
  readonly #topicArn: string;

  constructor(sns: SNSClient, topicArn: string) {
    this.#sns = sns;
    this.#topicArn = topicArn;
  }

  async publish(event: JobEvent, signal?: AbortSignal): Promise<void> {
    try {
      await this.#sns.send(
        new PublishCommand({
          TopicArn: this.#topicArn,
          Message: JSON.stringify(event),
          MessageAttributes: {
            type: { DataType: 'String', StringValue: event.type },
            status: { DataType: 'String', StringValue: event.data.status },
            jobId: { DataType: 'String', StringValue: event.data.jobId },
          },
          // FIFO topics (name ending .fifo) need both; standard topics ignore neither.
          ...(this.#topicArn.endsWith('.fifo')
            ? { MessageGroupId: event.data.jobId, MessageDeduplicationId: event.id }
            : {}),
        }),
        signal ? { abortSignal: signal } : {},
      );
    } catch (err) {
      throw classifyAwsError(err, `SNS Publish to ${this.#topicArn}`);
    }
  }
}
