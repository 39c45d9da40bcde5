import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { classifyAwsError, TransientError } from '../base/errors.ts';
import { DLQ_ATTRIBUTES, type DeadLetterReason } from '../contract/dead-letter.ts';
import type { QueuePort, ReceivedMessage } from '../job/base/ports.ts';
import { stringAttribute, stringAttributesOf } from './sqs-attributes.ts';
import { truncate } from '../base/text.ts';

const MAX_ATTRIBUTES = 10;
const MAX_REASON_CHARS = 4096;

/**
 * The SQS adapter: receive one message, keep it invisible while working, put it back with a
 * delay, delete it, or copy it to the dead-letter queue with the reason attached.
 */
export class SqsQueue implements QueuePort {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;

  constructor(sqs: SQSClient, queueUrl: string, deadLetterQueueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#dlqUrl = deadLetterQueueUrl;
  }

  /** Sends messages to the queue, ten per request; throws if any one was not accepted. */
  async sendAll(bodies: readonly string[], signal?: AbortSignal): Promise<void> {
    for (let i = 0; i < bodies.length; i += 10) {
      const batch = bodies.slice(i, i + 10);
      let out;
      try {
        out = await this.#sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: this.#queueUrl,
            Entries: batch.map((body, n) => ({ Id: String(n), MessageBody: body })),
          }),
          { ...(signal ? { abortSignal: signal } : {}) },
        );
      } catch (err) {
        throw classifyAwsError(err, 'SQS SendMessageBatch');
      }
      const failed = out.Failed ?? [];
      if (failed.length > 0) {
        throw new TransientError(
          `SQS SendMessageBatch: ${failed.length} of ${batch.length} messages not sent (${failed[0]?.Code}: ${failed[0]?.Message})`,
        );
      }
    }
  }

  /** One long poll for at most one message; undefined when none arrived. */
  async receiveOne(options: {
    waitSeconds: number;
    visibilitySeconds: number;
    signal?: AbortSignal;
  }): Promise<ReceivedMessage | undefined> {
    try {
      const out = await this.#sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: this.#queueUrl,
          MaxNumberOfMessages: 1,
          WaitTimeSeconds: options.waitSeconds,
          VisibilityTimeout: options.visibilitySeconds,
          MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          MessageAttributeNames: ['All'],
        }),
        { ...(options.signal ? { abortSignal: options.signal } : {}) },
      );
      const m = out.Messages?.[0];
      if (!m?.MessageId || !m.ReceiptHandle) return undefined;
      const raw = m.MessageAttributes ?? {};
      const attributes = stringAttributesOf(m);
      const sent = Number(m.Attributes?.SentTimestamp);
      return {
        messageId: m.MessageId,
        receiptHandle: m.ReceiptHandle,
        body: m.Body ?? '',
        receiveCount: Number(m.Attributes?.ApproximateReceiveCount ?? 1) || 1,
        ...(Number.isFinite(sent) ? { sentAt: sent } : {}),
        attributes,
        rawAttributes: raw,
      };
    } catch (err) {
      throw classifyAwsError(err, 'SQS ReceiveMessage');
    }
  }

  /** Sets the message's visibility timeout to `seconds` from now (heartbeat, or retry delay). */
  async changeVisibility(
    receiptHandle: string,
    seconds: number,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await this.#sqs.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: this.#queueUrl,
          ReceiptHandle: receiptHandle,
          VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds))),
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (err) {
      throw classifyAwsError(err, 'SQS ChangeMessageVisibility');
    }
  }

  async ack(receiptHandle: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.#sqs.send(
        new DeleteMessageCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: receiptHandle }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (err) {
      throw classifyAwsError(err, 'SQS DeleteMessage');
    }
  }

  /**
   * Copies the message, body untouched, to the dead-letter queue with the reason in message
   * attributes. The caller deletes the original afterwards, so a crash in between leaves a
   * duplicate in the DLQ rather than a lost message.
   */
  async deadLetter(
    message: ReceivedMessage,
    reason: DeadLetterReason,
    signal?: AbortSignal,
  ): Promise<void> {
    const ours: Record<string, MessageAttributeValue> = {
      [DLQ_ATTRIBUTES.jobId]: stringAttribute(reason.jobId),
      [DLQ_ATTRIBUTES.code]: stringAttribute(reason.code),
      [DLQ_ATTRIBUTES.reason]: stringAttribute(truncate(reason.message, MAX_REASON_CHARS)),
      [DLQ_ATTRIBUTES.sourceMessageId]: stringAttribute(message.messageId),
      [DLQ_ATTRIBUTES.receiveCount]: {
        DataType: 'Number',
        StringValue: String(message.receiveCount),
      },
      [DLQ_ATTRIBUTES.failedAt]: stringAttribute(new Date().toISOString()),
    };
    // Keep the sender's own attributes too, as far as SQS's limit of ten allows.
    const theirs = Object.entries(
      message.rawAttributes as Record<string, MessageAttributeValue>,
    ).filter(([name]) => !(name in ours));
    const attributes = {
      ...Object.fromEntries(theirs.slice(0, MAX_ATTRIBUTES - Object.keys(ours).length)),
      ...ours,
    };
    try {
      await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#dlqUrl,
          MessageBody: message.body,
          MessageAttributes: attributes,
        }),
        { ...(signal ? { abortSignal: signal } : {}) },
      );
    } catch (err) {
      throw classifyAwsError(err, 'SQS SendMessage to the dead-letter queue');
    }
  }
}
