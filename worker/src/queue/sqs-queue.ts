import {
  ChangeMessageVisibilityBatchCommand,
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { classifyAwsError } from '../errors.ts';
import {
  DLQ_ATTRIBUTES,
  type DeadLetterReason,
  type QueuePort,
  type ReceivedMessage,
} from '../job/ports.ts';

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
      const attributes: Record<string, string> = {};
      for (const [name, value] of Object.entries(raw)) {
        if (value.StringValue !== undefined) attributes[name] = value.StringValue;
      }
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
      [DLQ_ATTRIBUTES.jobId]: str(reason.jobId),
      [DLQ_ATTRIBUTES.code]: str(reason.code),
      [DLQ_ATTRIBUTES.reason]: str(truncate(reason.message, MAX_REASON_CHARS)),
      [DLQ_ATTRIBUTES.sourceMessageId]: str(message.messageId),
      [DLQ_ATTRIBUTES.receiveCount]: {
        DataType: 'Number',
        StringValue: String(message.receiveCount),
      },
      [DLQ_ATTRIBUTES.failedAt]: str(new Date().toISOString()),
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

export interface QueueDepth {
  /** ApproximateNumberOfMessages: waiting to be received. */
  readonly visible: number;
  /** ApproximateNumberOfMessagesNotVisible: being worked on, or waiting out a retry delay. */
  readonly inFlight: number;
  readonly delayed: number;
}

export interface DeadLetter {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt?: number;
}

/**
 * The control plane's view of the queues: depths, sending jobs, looking into the dead-letter
 * queue and moving its messages back. Same client, same queues as the worker's SqsQueue.
 */
export class SqsControl {
  readonly #sqs: SQSClient;
  readonly #queueUrl: string;
  readonly #dlqUrl: string;

  constructor(sqs: SQSClient, queueUrl: string, deadLetterQueueUrl: string) {
    this.#sqs = sqs;
    this.#queueUrl = queueUrl;
    this.#dlqUrl = deadLetterQueueUrl;
  }

  async send(body: string, attributes: Record<string, string> = {}): Promise<string> {
    try {
      const out = await this.#sqs.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: body,
          ...(Object.keys(attributes).length > 0
            ? {
                MessageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([k, v]) => [k, str(v)]),
                ),
              }
            : {}),
        }),
      );
      return out.MessageId!;
    } catch (err) {
      throw classifyAwsError(err, 'SQS SendMessage');
    }
  }

  async depths(): Promise<{ queue: QueueDepth; deadLetterQueue: QueueDepth }> {
    const [queue, deadLetterQueue] = await Promise.all([
      this.#depth(this.#queueUrl),
      this.#depth(this.#dlqUrl),
    ]);
    return { queue, deadLetterQueue };
  }

  /**
   * Reads up to `limit` dead letters without taking them: they are received with a short
   * visibility timeout to tell them apart, then made visible again at once.
   */
  async peekDeadLetters(limit: number): Promise<DeadLetter[]> {
    const seen = new Map<string, DeadLetter>();
    const handles: string[] = [];
    try {
      for (let empty = 0; seen.size < limit && empty < 2;) {
        const out = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#dlqUrl,
            MaxNumberOfMessages: Math.min(10, limit - seen.size),
            VisibilityTimeout: 30,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) empty++;
        for (const m of messages) {
          handles.push(m.ReceiptHandle!);
          if (!seen.has(m.MessageId!)) seen.set(m.MessageId!, toDeadLetter(m));
        }
      }
    } catch (err) {
      throw classifyAwsError(err, 'SQS ReceiveMessage (dead-letter queue)');
    } finally {
      await this.#makeVisible(handles);
    }
    return [...seen.values()];
  }

  /**
   * Moves dead letters back to the work queue: SQS's StartMessageMoveTask when available (it
   * keeps message attributes), else by re-sending each message with its attributes and deleting
   * it (an emulator without move tasks; REDRIVE_MODE=resend forces it).
   */
  async redrive(
    mode: 'auto' | 'move-task' | 'resend',
    max: number,
  ): Promise<{ mode: 'move-task' | 'resend'; moved?: number; taskHandle?: string }> {
    if (mode !== 'resend') {
      try {
        const [source, destination] = await Promise.all([
          this.#arn(this.#dlqUrl),
          this.#arn(this.#queueUrl),
        ]);
        const out = await this.#sqs.send(
          new StartMessageMoveTaskCommand({ SourceArn: source, DestinationArn: destination }),
        );
        return { mode: 'move-task', ...(out.TaskHandle ? { taskHandle: out.TaskHandle } : {}) };
      } catch (err) {
        if (mode === 'move-task' || !isUnsupported(err))
          throw classifyAwsError(err, 'SQS StartMessageMoveTask');
      }
    }
    let moved = 0;
    try {
      while (moved < max) {
        const out = await this.#sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#dlqUrl,
            MaxNumberOfMessages: Math.min(10, max - moved),
            VisibilityTimeout: 60,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
          }),
        );
        const messages = out.Messages ?? [];
        if (messages.length === 0) break;
        for (const m of messages) {
          await this.#sqs.send(
            new SendMessageCommand({
              QueueUrl: this.#queueUrl,
              MessageBody: m.Body!,
              ...(m.MessageAttributes && Object.keys(m.MessageAttributes).length > 0
                ? { MessageAttributes: m.MessageAttributes }
                : {}),
            }),
          );
          await this.#sqs.send(
            new DeleteMessageCommand({ QueueUrl: this.#dlqUrl, ReceiptHandle: m.ReceiptHandle }),
          );
          moved++;
        }
      }
    } catch (err) {
      throw classifyAwsError(err, 'SQS redrive by re-sending');
    }
    return { mode: 'resend', moved };
  }

  async #depth(url: string): Promise<QueueDepth> {
    try {
      const out = await this.#sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
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

  async #arn(url: string): Promise<string> {
    const out = await this.#sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    return out.Attributes!.QueueArn!;
  }

  async #makeVisible(handles: string[]): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      await this.#sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.#dlqUrl,
            Entries: handles
              .slice(i, i + 10)
              .map((h, j) => ({ Id: String(j), ReceiptHandle: h, VisibilityTimeout: 0 })),
          }),
        )
        .catch(() => undefined); // they reappear after 30 s anyway
    }
  }
}

function toDeadLetter(m: Message): DeadLetter {
  const attributes: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) {
    if (v.StringValue !== undefined) attributes[k] = v.StringValue;
  }
  const sent = Number(m.Attributes?.SentTimestamp);
  return {
    messageId: m.MessageId!,
    body: m.Body ?? '',
    attributes,
    ...(Number.isFinite(sent) ? { sentAt: sent } : {}),
  };
}

/** StartMessageMoveTask is missing (emulators) or not allowed for this queue. */
function isUnsupported(err: unknown): boolean {
  const name = (err as { name?: string }).name;
  return (
    name === 'InvalidAction' ||
    name === 'UnsupportedOperation' ||
    name === 'UnknownOperationException'
  );
}

function str(value: string): MessageAttributeValue {
  return { DataType: 'String', StringValue: value === '' ? '-' : value };
}

function truncate(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 3)}...` : s;
}
