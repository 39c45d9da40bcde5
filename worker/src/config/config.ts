import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { childOf, s3UriSchema, type S3Location } from '../contract/s3-uri.ts';
import {
  DEFAULTS,
  EVENTS_SOURCE,
  heartbeatProblem,
  retryDelayProblem,
} from '../contract/settings.ts';
import { bool, CommonShape, commonConfig, int, MIB, optional, parseEnv, url } from './env.ts';

/**
 * The worker's configuration, read from the environment once at start. This module is the
 * only reader of process.env; everything else receives a plain `Config`.
 */
export interface Config {
  readonly region: string;
  readonly endpoints: {
    readonly sqs?: string;
    readonly s3?: string;
    readonly dynamodb?: string;
    readonly sns?: string;
    readonly eventbridge?: string;
  };
  readonly s3ForcePathStyle: boolean;
  readonly awsMaxAttempts: number;
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
  readonly tableName: string;
  readonly output: S3Location;
  readonly maxReceiveCount: number;
  readonly receiveWaitSeconds: number;
  readonly idleTimeoutSeconds: number;
  readonly visibilityTimeoutSeconds: number;
  readonly heartbeatSeconds: number;
  readonly retryDelaySeconds: number;
  readonly retryDelayMaxSeconds: number;
  readonly shutdownGraceSeconds: number;
  readonly workDir: string;
  readonly workerId: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
  readonly maxMessageBytes: number;
  readonly maxInputBytes: number;
  readonly maxDurationSeconds: number;
  readonly maxDimension: number;
  readonly maxFrameRate: number;
  readonly outputSizeFactor: number;
  readonly uploadConcurrency: number;
  readonly uploadPartSizeBytes: number;
  /** Finished job records expire after this long (DynamoDB TTL on `expiresAt`); undefined keeps them. */
  readonly recordTtlSeconds?: number;
  /** Job events: the SNS topic and EventBridge bus they go to, and their `source`. */
  readonly events: {
    readonly snsTopicArn?: string;
    readonly eventBus?: string;
  };
  readonly eventsSource: string;
  /**
   * Splitting long sources across many Jobs: sources longer than `thresholdSeconds` are cut
   * into chunks of about `chunkSeconds`; absent (SPLIT_THRESHOLD_SECONDS=0): never split.
   */
  readonly split?: {
    readonly thresholdSeconds: number;
    readonly chunkSeconds: number;
    /** The short first chunk the next ones ramp up from (split/chunks.ts); 0: none. */
    readonly firstChunkSeconds: number;
  };
  /** Where a split job's parts are kept until its stitch (then removed). */
  readonly workUri: S3Location;
  /** Webhooks named in messages: off without a secret to sign them with. */
  readonly webhook?: {
    readonly secret: string;
    readonly timeoutSeconds: number;
    readonly attempts: number;
    readonly allowInsecure: boolean;
  };
}

/** The transcoding engine: where ffmpeg is, and the limits a source must keep within. */
const EngineShape = {
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(DEFAULTS.maxInputBytes),
  MAX_DURATION_SECONDS: int(1, 7 * 24 * 3600).default(DEFAULTS.maxDurationSeconds),
  MAX_DIMENSION: int(16, 16_384).default(DEFAULTS.maxDimension),
  MAX_FRAME_RATE: int(1, 1000).default(DEFAULTS.maxFrameRate),
};

const EnvSchema = z.object({
  ...CommonShape,
  RECEIVE_WAIT_SECONDS: int(1, 20).default(20),
  IDLE_TIMEOUT_SECONDS: int(1, 3600).default(DEFAULTS.idleTimeoutSeconds),
  VISIBILITY_TIMEOUT_SECONDS: int(2, 43_200).default(DEFAULTS.visibilityTimeoutSeconds),
  HEARTBEAT_SECONDS: int(1, 21_600).default(DEFAULTS.heartbeatSeconds),
  RETRY_DELAY_SECONDS: int(0, 43_200).default(DEFAULTS.retryDelaySeconds),
  RETRY_DELAY_MAX_SECONDS: int(0, 43_200).default(DEFAULTS.retryDelayMaxSeconds),
  SHUTDOWN_GRACE_SECONDS: int(1, 3600).default(DEFAULTS.shutdownGraceSeconds),
  WORK_DIR: z.string().min(1).default(join(tmpdir(), 'keda-transcoder')),
  WORKER_ID: z
    .string()
    .regex(/^[A-Za-z0-9._:-]{1,128}$/)
    .optional(),
  ...EngineShape,
  OUTPUT_SIZE_FACTOR: z.coerce.number().min(0).max(100).default(1.5),
  UPLOAD_CONCURRENCY: int(1, 64).default(DEFAULTS.uploadConcurrency),
  AWS_ENDPOINT_URL_SNS: url.optional(),
  AWS_ENDPOINT_URL_EVENTBRIDGE: url.optional(),
  EVENTS_SNS_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]{1,256}$/, 'must be an SNS topic ARN')
    .optional(),
  EVENTS_BUS: z
    .string()
    .regex(
      /^([\w.\-/]{1,256}|arn:aws[a-z-]*:events:[a-z0-9-]+:\d{12}:event-bus\/[\w.\-/]{1,256})$/,
      'must be an EventBridge bus name or ARN',
    )
    .optional(),
  EVENTS_SOURCE: z
    .string()
    .regex(EVENTS_SOURCE.pattern, EVENTS_SOURCE.message)
    .default('keda-transcoder'),
  SPLIT_THRESHOLD_SECONDS: int(0, 7 * 24 * 3600).default(DEFAULTS.splitThresholdSeconds),
  CHUNK_SECONDS: int(4, 3600).default(DEFAULTS.chunkSeconds),
  FIRST_CHUNK_SECONDS: int(0, 3600).default(DEFAULTS.firstChunkSeconds),
  WORK_URI: s3UriSchema({ prefix: true }).optional(),
  WEBHOOK_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  WEBHOOK_TIMEOUT_SECONDS: int(1, 60).default(10),
  WEBHOOK_ATTEMPTS: int(1, 10).default(5),
  WEBHOOK_ALLOW_INSECURE: bool.default(false),
});

/** The environment variables the worker reads: the contract the charts fill in. */
export type WorkerEnvName = keyof z.input<typeof EnvSchema>;
export const WORKER_ENV_NAMES = Object.keys(EnvSchema.shape) as WorkerEnvName[];

/**
 * Rules between fields, checked on the raw values (with the defaults) so they are reported
 * together with every other bad field rather than only once the rest is valid.
 */
function crossFieldIssues(env: Record<string, string>, bad: Set<string>): string[] {
  const num = (key: string, fallback: number) =>
    env[key] === undefined ? fallback : Number(env[key]);
  // Each rule: the field it is reported on, the two fields it reads, and the shared check.
  const rules = [
    {
      field: 'HEARTBEAT_SECONDS',
      reads: ['HEARTBEAT_SECONDS', 'VISIBILITY_TIMEOUT_SECONDS'],
      check: () =>
        heartbeatProblem(
          num('HEARTBEAT_SECONDS', DEFAULTS.heartbeatSeconds),
          num('VISIBILITY_TIMEOUT_SECONDS', DEFAULTS.visibilityTimeoutSeconds),
          { visibility: 'VISIBILITY_TIMEOUT_SECONDS' },
        ),
    },
    {
      field: 'RETRY_DELAY_MAX_SECONDS',
      reads: ['RETRY_DELAY_SECONDS', 'RETRY_DELAY_MAX_SECONDS'],
      check: () =>
        retryDelayProblem(
          num('RETRY_DELAY_SECONDS', DEFAULTS.retryDelaySeconds),
          num('RETRY_DELAY_MAX_SECONDS', DEFAULTS.retryDelayMaxSeconds),
          { first: 'RETRY_DELAY_SECONDS' },
        ),
    },
  ];
  return rules.flatMap((rule) => {
    if (rule.reads.some((f) => bad.has(f))) return [];
    const problem = rule.check();
    return problem ? [`${rule.field}: ${problem}`] : [];
  });
}

/** Reads and validates the worker's environment; throws one ConfigError naming every bad field. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const e = parseEnv(EnvSchema, env, crossFieldIssues);
  const common = commonConfig(e);
  return {
    ...common,
    endpoints: {
      ...common.endpoints,
      ...optional('sns', e.AWS_ENDPOINT_URL_SNS ?? e.AWS_ENDPOINT_URL),
      ...optional('eventbridge', e.AWS_ENDPOINT_URL_EVENTBRIDGE ?? e.AWS_ENDPOINT_URL),
    },
    receiveWaitSeconds: e.RECEIVE_WAIT_SECONDS,
    idleTimeoutSeconds: e.IDLE_TIMEOUT_SECONDS,
    visibilityTimeoutSeconds: e.VISIBILITY_TIMEOUT_SECONDS,
    heartbeatSeconds: e.HEARTBEAT_SECONDS,
    retryDelaySeconds: e.RETRY_DELAY_SECONDS,
    retryDelayMaxSeconds: e.RETRY_DELAY_MAX_SECONDS,
    shutdownGraceSeconds: e.SHUTDOWN_GRACE_SECONDS,
    workDir: e.WORK_DIR,
    workerId: e.WORKER_ID ?? `${hostname()}-${process.pid}`,
    ...engineConfig(e),
    outputSizeFactor: e.OUTPUT_SIZE_FACTOR,
    uploadConcurrency: e.UPLOAD_CONCURRENCY,
    uploadPartSizeBytes: e.UPLOAD_PART_SIZE_MB * MIB,
    ...(e.RECORD_TTL_DAYS === undefined ? {} : { recordTtlSeconds: e.RECORD_TTL_DAYS * 86_400 }),
    events: {
      ...optional('snsTopicArn', e.EVENTS_SNS_TOPIC_ARN),
      ...optional('eventBus', e.EVENTS_BUS),
    },
    eventsSource: e.EVENTS_SOURCE,
    ...(e.SPLIT_THRESHOLD_SECONDS > 0
      ? {
          split: {
            thresholdSeconds: e.SPLIT_THRESHOLD_SECONDS,
            chunkSeconds: e.CHUNK_SECONDS,
            firstChunkSeconds: e.FIRST_CHUNK_SECONDS,
          },
        }
      : {}),
    workUri: e.WORK_URI ?? childOf(e.OUTPUT_URI, '_work/'),
    ...(e.WEBHOOK_SECRET
      ? {
          webhook: {
            secret: e.WEBHOOK_SECRET,
            timeoutSeconds: e.WEBHOOK_TIMEOUT_SECONDS,
            attempts: e.WEBHOOK_ATTEMPTS,
            allowInsecure: e.WEBHOOK_ALLOW_INSECURE,
          },
        }
      : {}),
  };
}

/** What `keda-transcoder probe` needs: the worker's engine settings, nothing of AWS. */
export type EngineConfig = Pick<
  Config,
  | 'ffmpegPath'
  | 'ffprobePath'
  | 'maxInputBytes'
  | 'maxDurationSeconds'
  | 'maxDimension'
  | 'maxFrameRate'
>;

export function loadEngineConfig(env: NodeJS.ProcessEnv = process.env): EngineConfig {
  return engineConfig(parseEnv(z.object(EngineShape), env));
}

function engineConfig(e: z.output<z.ZodObject<typeof EngineShape>>): EngineConfig {
  return {
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    maxInputBytes: e.MAX_INPUT_BYTES,
    maxDurationSeconds: e.MAX_DURATION_SECONDS,
    maxDimension: e.MAX_DIMENSION,
    maxFrameRate: e.MAX_FRAME_RATE,
  };
}
