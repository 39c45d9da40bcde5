import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { classifyAwsError } from '../base/errors.ts';
import type {
  ControlQueuePort,
  DeadLetter,
  QueueDepth,
  RedriveMode,
  RedriveResult,
} from '../control/ports.ts';
import { queueDepth, stringAttribute, stringAttributesOf } from './sqs-attributes.ts';

/**
 * The control plane's view of the queues: depths, sending jobs, looking into the dead-letter
 * queue and moving its messages back. Same client, same queues as the worker's SqsQueue.
 */
export class SqsControl implements ControlQueuePort {
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
                  Object.entries(attributes).map(([k, v]) => [k, stringAttribute(v)]),
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
      queueDepth(this.#sqs, this.#queueUrl),
      queueDepth(this.#sqs, this.#dlqUrl),
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
  async redrive(mode: RedriveMode, max: number): Promise<RedriveResult> {
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
  const attributes = stringAttributesOf(m);
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
