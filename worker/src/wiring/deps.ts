import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { Logger } from 'pino';
import type { Config } from '../config/config.ts';
import type { ControlConfig } from '../config/control.ts';
import type { ControlDeps } from '../control/deps.ts';
import type { WorkerDeps } from '../job/base/ports.ts';
import { Notifier, type EventTarget } from '../events/notifier.ts';
import { DynamoLedger } from '../ledger/dynamo-ledger.ts';
import { queueArn } from '../contract/queue-url.ts';
import { SqsControl } from '../queue/sqs-control.ts';
import { SqsQueue } from '../queue/sqs-queue.ts';
import { EventBridgeScheduler } from '../scheduler/eventbridge-scheduler.ts';
import { openObject, S3Storage } from '../storage/s3-storage.ts';
import { S3Uploads } from '../storage/s3-uploads.ts';
import { Transcoder } from '../transcode/transcoder.ts';
import { systemClock } from '../base/time.ts';

export interface AwsClients {
  readonly sqs: SQSClient;
  readonly s3: S3Client;
  readonly dynamodb: DynamoDBClient;
  destroy(): void;
}

type ClientConfig = Pick<Config, 'region' | 'endpoints' | 's3ForcePathStyle' | 'awsMaxAttempts'>;

/** The three SDK clients, pointed at the configured endpoints (real AWS when none is set). */
export function createAwsClients(config: ClientConfig): AwsClients {
  const common = {
    region: config.region,
    maxAttempts: config.awsMaxAttempts,
    // Fail fast on an unreachable endpoint; the long poll itself may take 20 s.
    requestHandler: new NodeHttpHandler({ connectionTimeout: 5000, requestTimeout: 60_000 }),
  };
  const sqs = new SQSClient({ ...common, ...endpoint(config.endpoints.sqs) });
  const s3 = new S3Client({
    ...common,
    ...endpoint(config.endpoints.s3),
    forcePathStyle: config.s3ForcePathStyle,
  });
  const dynamodb = new DynamoDBClient({ ...common, ...endpoint(config.endpoints.dynamodb) });
  return {
    sqs,
    s3,
    dynamodb,
    destroy() {
      sqs.destroy();
      s3.destroy();
      dynamodb.destroy();
    },
  };
}

/** The composition root: real adapters around the clients; tests may override any part. */
export function createWorkerDeps(
  config: Config,
  logger: Logger,
  clients: AwsClients,
  overrides: Partial<WorkerDeps> = {},
): WorkerDeps {
  return {
    queue: new SqsQueue(clients.sqs, config.queueUrl, config.deadLetterQueueUrl),
    storage: new S3Storage(clients.s3, {
      partSizeBytes: config.uploadPartSizeBytes,
      concurrency: config.uploadConcurrency,
    }),
    ledger: new DynamoLedger(clients.dynamodb, config.tableName),
    transcoder: new Transcoder({
      paths: { ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath },
      limits: {
        maxDurationSeconds: config.maxDurationSeconds,
        maxDimension: config.maxDimension,
        maxFrameRate: config.maxFrameRate,
      },
    }),
    logger,
    clock: systemClock,
    notifier: createNotifier(config),
    ...overrides,
  };
}

/**
 * Where finished jobs' events go. The SNS and EventBridge clients load on first use: a worker
 * imports them only when a job ends, not on its cold start.
 */
export function createNotifier(
  config: Pick<Config, 'region' | 'awsMaxAttempts' | 'endpoints' | 'events' | 'webhook'>,
  options: { retryDelayMs?: number } = {},
): Notifier {
  const common = { region: config.region, maxAttempts: config.awsMaxAttempts };
  const targets: EventTarget[] = [];
  const topic = config.events.snsTopicArn;
  if (topic) {
    targets.push(
      lazyTarget('sns', async () => {
        const [{ SNSClient }, { SnsPublisher }] = await Promise.all([
          import('@aws-sdk/client-sns'),
          import('../events/sns-publisher.ts'),
        ]);
        return new SnsPublisher(
          new SNSClient({ ...common, ...endpoint(config.endpoints.sns) }),
          topic,
        );
      }),
    );
  }
  const bus = config.events.eventBus;
  if (bus) {
    targets.push(
      lazyTarget('eventbridge', async () => {
        const [{ EventBridgeClient }, { EventBridgePublisher }] = await Promise.all([
          import('@aws-sdk/client-eventbridge'),
          import('../events/eventbridge-publisher.ts'),
        ]);
        return new EventBridgePublisher(
          new EventBridgeClient({ ...common, ...endpoint(config.endpoints.eventbridge) }),
          bus,
        );
      }),
    );
  }
  const webhook = config.webhook;
  return new Notifier({
    targets,
    ...(webhook
      ? {
          webhook: {
            secret: webhook.secret,
            timeoutMs: webhook.timeoutSeconds * 1000,
            attempts: webhook.attempts,
            allowInsecure: webhook.allowInsecure,
          },
        }
      : {}),
    ...(options.retryDelayMs !== undefined ? { retryDelayMs: options.retryDelayMs } : {}),
    now: () => systemClock.now(),
  });
}

function lazyTarget(
  name: string,
  make: () => Promise<{ publish: EventTarget['publish'] }>,
): EventTarget {
  let made: Promise<{ publish: EventTarget['publish'] }> | undefined;
  return {
    name,
    publish: async (event, signal) => (await (made ??= make())).publish(event, signal),
  };
}

function endpoint(url: string | undefined): { endpoint?: string } {
  return url ? { endpoint: url } : {};
}

/** The control plane's dependencies (API server and CLI), around the same clients. */
export function createControlDeps(
  config: ControlConfig,
  clients: AwsClients,
  overrides: Partial<ControlDeps> = {},
): ControlDeps {
  // Presigned uploads must not carry SDK-computed checksums: a browser or curl cannot send them.
  const presigner = new S3Client({
    region: config.region,
    ...endpoint(config.endpoints.s3),
    forcePathStyle: config.s3ForcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const scheduler = config.schedulerRoleArn
    ? new EventBridgeScheduler(
        new SchedulerClient({ region: config.region, ...endpoint(config.schedulerEndpoint) }),
        {
          group: config.scheduleGroup,
          queueArn: queueArn(config.queueUrl, config.region),
          deadLetterArn: queueArn(config.deadLetterQueueUrl, config.region),
          roleArn: config.schedulerRoleArn,
        },
      )
    : undefined;
  return {
    config,
    ledger: new DynamoLedger(clients.dynamodb, config.tableName),
    queue: new SqsControl(clients.sqs, config.queueUrl, config.deadLetterQueueUrl),
    ...(scheduler ? { scheduler } : {}),
    uploadStore: new S3Uploads(presigner),
    openObject: (location, range) => openObject(clients.s3, location, range),
    clock: systemClock,
    ...overrides,
  };
}
