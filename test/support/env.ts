import { randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { PRODUCT_FFMPEG, PRODUCT_FFPROBE } from './media-tools.ts';
import pino from 'pino';
import { inject } from 'vitest';
import {
  localClients,
  workerEnvironment,
  type StackEndpoints,
} from '../../scripts/local-stack/index.ts';
import { provision, type Resources } from '../../scripts/local-stack/provision.ts';
import { loadConfig, type Config } from '../../worker/src/config/config.ts';
import { createAwsClients, createWorkerDeps } from '../../worker/src/wiring/deps.ts';
import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';
import { runWorker, type WorkerOutcome } from '../../worker/src/job/worker.ts';
import { DynamoLedger } from '../../worker/src/ledger/dynamo-ledger.ts';
import type { JobRecord, Stats } from '../../worker/src/record/job-record.ts';
import { isJobItem } from '../../worker/src/contract/table.ts';
import { queueDepth } from '../../worker/src/queue/sqs-attributes.ts';

export const ROOT = join(import.meta.dirname, '..', '..');
const LOGS = join(ROOT, '.local', 'test-logs');

/** Settings that keep tests quick: short polls, short visibility, short retry delays. */
export const FAST: Record<string, string> = {
  IDLE_TIMEOUT_SECONDS: '2',
  RECEIVE_WAIT_SECONDS: '1',
  VISIBILITY_TIMEOUT_SECONDS: '20',
  HEARTBEAT_SECONDS: '2',
  RETRY_DELAY_SECONDS: '1',
  RETRY_DELAY_MAX_SECONDS: '4',
  SHUTDOWN_GRACE_SECONDS: '10',
  AWS_MAX_ATTEMPTS: '2',
};

export interface DlqMessage {
  readonly body: string;
  readonly attributes: Record<string, string>;
  readonly receiveCount: number;
}

/**
 * One test file's world on the shared local stack: its own queue and DLQ, bucket and table
 * (names made unique), and helpers to drive and inspect them.
 */
export async function createTestEnv(
  name: string,
  options: {
    maxReceiveCount?: number;
    visibilityTimeoutSeconds?: number;
    stack?: StackEndpoints;
  } = {},
) {
  const stack = options.stack ?? inject('stack');
  const clients = localClients(stack);
  const prefix = `${name}-${randomBytes(3).toString('hex')}`.toLowerCase();
  const resources: Resources = await provision(clients, {
    prefix,
    ...(options.maxReceiveCount ? { maxReceiveCount: options.maxReceiveCount } : {}),
    ...(options.visibilityTimeoutSeconds
      ? { visibilityTimeoutSeconds: options.visibilityTimeoutSeconds }
      : {}),
  });
  const ledger = new DynamoLedger(clients.dynamodb, resources.tableName);
  mkdirSync(LOGS, { recursive: true });
  const logFile = join(LOGS, `${prefix}.log`);
  const logger = pino(
    { level: 'debug' },
    pino.destination({ dest: logFile, sync: true, mkdir: true }),
  );
  const workDir = join(ROOT, '.local', 'work', prefix);

  const env = (extra: Record<string, string> = {}): Record<string, string> =>
    workerEnvironment(stack, resources, {
      ...FAST,
      FFMPEG_PATH: PRODUCT_FFMPEG,
      FFPROBE_PATH: PRODUCT_FFPROBE,
      WORK_DIR: workDir,
      ...extra,
    });

  return {
    stack,
    clients,
    resources,
    ledger,
    logFile,
    workDir,
    env,
    config: (extra: Record<string, string> = {}): Config => loadConfig(env(extra)),

    /** Runs one worker in this process with the real adapters (overrides for wrappers only). */
    async runWorker(
      extra: Record<string, string> = {},
      overrides: (deps: WorkerDeps) => Partial<WorkerDeps> = () => ({}),
      signal: AbortSignal = new AbortController().signal,
    ): Promise<WorkerOutcome> {
      const config = loadConfig(env(extra));
      const aws = createAwsClients(config);
      const base = createWorkerDeps(config, logger, aws);
      try {
        return await runWorker({ ...base, ...overrides(base) }, config, signal);
      } finally {
        aws.destroy();
      }
    },

    /** Uploads a file (multipart in 8 MiB parts: the emulator refuses bodies over 11 MiB). */
    async putSource(key: string, file: string): Promise<string> {
      await new Upload({
        client: clients.s3,
        partSize: 8 * 1024 * 1024,
        params: { Bucket: resources.bucket, Key: key, Body: createReadStream(file) },
      }).done();
      return `s3://${resources.bucket}/${key}`;
    },

    async send(body: string | object): Promise<string> {
      const out = await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: resources.queueUrl,
          MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      );
      return out.MessageId!;
    },

    /** Visible, in-flight and delayed counts of a queue. */
    depth(queueUrl: string = resources.queueUrl) {
      return queueDepth(clients.sqs, queueUrl);
    },

    /** Takes every visible message off the work queue (deleting them); returns their bodies. */
    async drainQueue(): Promise<string[]> {
      const bodies: string[] = [];
      for (;;) {
        const out = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: resources.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
          }),
        );
        const messages: Message[] = out.Messages ?? [];
        if (messages.length === 0) return bodies;
        for (const m of messages) {
          bodies.push(m.Body ?? '');
          await clients.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: resources.queueUrl,
              ReceiptHandle: m.ReceiptHandle,
            }),
          );
        }
      }
    },

    /** Takes every message off the dead-letter queue (deleting them) with their attributes. */
    async drainDeadLetters(): Promise<DlqMessage[]> {
      const all: DlqMessage[] = [];
      for (;;) {
        const out = await clients.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: resources.deadLetterQueueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 0,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
        );
        const messages: Message[] = out.Messages ?? [];
        if (messages.length === 0) return all;
        for (const m of messages) {
          const attributes: Record<string, string> = {};
          for (const [k, v] of Object.entries(m.MessageAttributes ?? {}))
            attributes[k] = v.StringValue ?? '';
          all.push({
            body: m.Body ?? '',
            attributes,
            receiveCount: Number(m.Attributes?.ApproximateReceiveCount),
          });
          await clients.sqs.send(
            new DeleteMessageCommand({
              QueueUrl: resources.deadLetterQueueUrl,
              ReceiptHandle: m.ReceiptHandle,
            }),
          );
        }
      }
    },

    record: (jobId: string): Promise<JobRecord | undefined> => ledger.get(jobId),
    stats: (): Promise<Stats> => ledger.stats(),

    /** Counts by status over every job record: the ledger the stats must equal. */
    async ledgerTotals(): Promise<Stats & { records: JobRecord[] }> {
      const records: JobRecord[] = [];
      let start: Record<string, never> | undefined;
      do {
        const out = await clients.dynamodb.send(
          new ScanCommand({
            TableName: resources.tableName,
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        for (const item of out.Items ?? []) {
          const plain = unmarshall(item);
          if (isJobItem(plain)) records.push(plain as unknown as JobRecord);
        }
        start = out.LastEvaluatedKey as Record<string, never> | undefined;
      } while (start);
      const count = (s: string) => records.filter((r) => r.status === s).length;
      return {
        succeeded: count('SUCCEEDED'),
        failed: count('FAILED'),
        running: count('RUNNING'),
        retries: records.reduce((sum, r) => sum + r.retries, 0),
        records,
      };
    },

    async listOutputs(prefix: string): Promise<{ key: string; size: number }[]> {
      const out = await clients.s3.send(
        new ListObjectsV2Command({ Bucket: resources.bucket, Prefix: prefix }),
      );
      return (out.Contents ?? [])
        .map((o) => ({ key: o.Key!, size: o.Size ?? 0 }))
        .sort((a, b) => a.key.localeCompare(b.key));
    },

    async getObject(key: string) {
      const out = await clients.s3.send(
        new GetObjectCommand({ Bucket: resources.bucket, Key: key }),
      );
      return {
        body: Buffer.from(await out.Body!.transformToByteArray()),
        contentType: out.ContentType,
        cacheControl: out.CacheControl,
      };
    },

    destroy(): void {
      clients.sqs.destroy();
      clients.s3.destroy();
      clients.dynamodb.destroy();
      clients.sns.destroy();
    },
  };
}

export type TestEnv = Awaited<ReturnType<typeof createTestEnv>>;
