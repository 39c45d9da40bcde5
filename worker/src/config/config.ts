import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../base/errors.ts';
import { s3UriSchema, type S3Location } from '../contract/s3-uri.ts';
import {
  AWS_REGION,
  DEFAULTS,
  EVENTS_SOURCE,
  heartbeatProblem,
  LOG_LEVELS,
  retryDelayProblem,
  SCHEDULE_GROUP,
  TABLE_NAME,
} from '../contract/settings.ts';

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
  /** Webhooks named in messages: off without a secret to sign them with. */
  readonly webhook?: {
    readonly secret: string;
    readonly timeoutSeconds: number;
    readonly attempts: number;
    readonly allowInsecure: boolean;
  };
}

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const url = z.url({ protocol: /^https?$/ });
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const MIB = 1024 * 1024;

/** What every entry point (worker, API, CLI) reads: where the queue, table and bucket are. */
const CommonShape = {
  AWS_REGION: z.string().regex(AWS_REGION.pattern, AWS_REGION.message),
  AWS_ENDPOINT_URL: url.optional(),
  AWS_ENDPOINT_URL_SQS: url.optional(),
  AWS_ENDPOINT_URL_S3: url.optional(),
  AWS_ENDPOINT_URL_DYNAMODB: url.optional(),
  S3_FORCE_PATH_STYLE: bool.default(false),
  AWS_MAX_ATTEMPTS: int(1, 10).default(3),
  QUEUE_URL: url,
  DLQ_URL: url,
  TABLE_NAME: z.string().regex(TABLE_NAME.pattern, TABLE_NAME.message),
  OUTPUT_URI: s3UriSchema({ prefix: true }),
  MAX_RECEIVE_COUNT: int(1, 1000).default(DEFAULTS.maxReceiveCount),
  LOG_LEVEL: z.enum(LOG_LEVELS).default(DEFAULTS.logLevel),
  MAX_MESSAGE_BYTES: int(256, 1024 * 1024).default(64 * 1024),
  RECORD_TTL_DAYS: int(1, 3650).optional(),
  /** Multipart part size: the worker's output uploads and the clients' source uploads. */
  UPLOAD_PART_SIZE_MB: int(5, 5 * 1024).default(DEFAULTS.uploadPartSizeMb),
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
  FFMPEG_PATH: z.string().min(1).default('ffmpeg'),
  FFPROBE_PATH: z.string().min(1).default('ffprobe'),
  MAX_INPUT_BYTES: z.coerce.number().int().positive().default(DEFAULTS.maxInputBytes),
  MAX_DURATION_SECONDS: int(1, 7 * 24 * 3600).default(DEFAULTS.maxDurationSeconds),
  MAX_DIMENSION: int(16, 16_384).default(DEFAULTS.maxDimension),
  MAX_FRAME_RATE: int(1, 1000).default(DEFAULTS.maxFrameRate),
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
  const issues: string[] = [];
  const heartbeat =
    bad.has('HEARTBEAT_SECONDS') || bad.has('VISIBILITY_TIMEOUT_SECONDS')
      ? undefined
      : heartbeatProblem(
          num('HEARTBEAT_SECONDS', DEFAULTS.heartbeatSeconds),
          num('VISIBILITY_TIMEOUT_SECONDS', DEFAULTS.visibilityTimeoutSeconds),
          { visibility: 'VISIBILITY_TIMEOUT_SECONDS' },
        );
  if (heartbeat) issues.push(`HEARTBEAT_SECONDS: ${heartbeat}`);
  const delay =
    bad.has('RETRY_DELAY_SECONDS') || bad.has('RETRY_DELAY_MAX_SECONDS')
      ? undefined
      : retryDelayProblem(
          num('RETRY_DELAY_SECONDS', DEFAULTS.retryDelaySeconds),
          num('RETRY_DELAY_MAX_SECONDS', DEFAULTS.retryDelayMaxSeconds),
          { first: 'RETRY_DELAY_SECONDS' },
        );
  if (delay) issues.push(`RETRY_DELAY_MAX_SECONDS: ${delay}`);
  return issues;
}

/** Parses an environment against a schema; one ConfigError names every bad field. */
function parseEnv<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv,
  crossField: (defined: Record<string, string>, bad: Set<string>) => string[] = () => [],
): z.output<S> {
  const defined = pickDefined(env);
  const parsed = schema.safeParse(defined);
  const issues = (parsed.success ? [] : parsed.error.issues).map((issue) => {
    const field = issue.path.join('.') || '(environment)';
    const missing = issue.code === 'invalid_type' && defined[field] === undefined;
    return { field, text: `${field}: ${missing ? 'is required' : issue.message}` };
  });
  const problems = [
    ...issues.map((i) => i.text),
    ...crossField(defined, new Set(issues.map((i) => i.field))),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return parsed.data;
}

/** What every entry point reads the same way: where AWS, the queue, table and outputs are. */
function commonConfig(e: z.output<z.ZodObject<typeof CommonShape>>) {
  return {
    region: e.AWS_REGION,
    endpoints: {
      ...optional('sqs', e.AWS_ENDPOINT_URL_SQS ?? e.AWS_ENDPOINT_URL),
      ...optional('s3', e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL),
      ...optional('dynamodb', e.AWS_ENDPOINT_URL_DYNAMODB ?? e.AWS_ENDPOINT_URL),
    },
    s3ForcePathStyle: e.S3_FORCE_PATH_STYLE,
    awsMaxAttempts: e.AWS_MAX_ATTEMPTS,
    queueUrl: e.QUEUE_URL,
    deadLetterQueueUrl: e.DLQ_URL,
    tableName: e.TABLE_NAME,
    output: e.OUTPUT_URI,
    maxReceiveCount: e.MAX_RECEIVE_COUNT,
    logLevel: e.LOG_LEVEL,
    maxMessageBytes: e.MAX_MESSAGE_BYTES,
  };
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
    ffmpegPath: e.FFMPEG_PATH,
    ffprobePath: e.FFPROBE_PATH,
    maxInputBytes: e.MAX_INPUT_BYTES,
    maxDurationSeconds: e.MAX_DURATION_SECONDS,
    maxDimension: e.MAX_DIMENSION,
    maxFrameRate: e.MAX_FRAME_RATE,
    outputSizeFactor: e.OUTPUT_SIZE_FACTOR,
    uploadConcurrency: e.UPLOAD_CONCURRENCY,
    uploadPartSizeBytes: e.UPLOAD_PART_SIZE_MB * MIB,
    ...(e.RECORD_TTL_DAYS === undefined ? {} : { recordTtlSeconds: e.RECORD_TTL_DAYS * 86_400 }),
    events: {
      ...optional('snsTopicArn', e.EVENTS_SNS_TOPIC_ARN),
      ...optional('eventBus', e.EVENTS_BUS),
    },
    eventsSource: e.EVENTS_SOURCE,
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

/** Empty strings count as unset, as they do for most twelve-factor apps. */
function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

/** The control plane's settings (API server and CLI), beside the common ones. */
export interface ControlConfig extends Pick<
  Config,
  | 'region'
  | 'endpoints'
  | 's3ForcePathStyle'
  | 'awsMaxAttempts'
  | 'queueUrl'
  | 'deadLetterQueueUrl'
  | 'tableName'
  | 'output'
  | 'maxReceiveCount'
  | 'logLevel'
  | 'maxMessageBytes'
> {
  readonly schedulerEndpoint?: string;
  /** Bearer tokens the API accepts; empty means the API refuses to start. */
  readonly apiTokens: readonly string[];
  readonly apiHost: string;
  readonly apiPort: number;
  /** The role EventBridge Scheduler assumes to send to the queue; unset disables schedules. */
  readonly schedulerRoleArn?: string;
  readonly scheduleGroup: string;
  /** Where presigned uploads go (default: the output bucket's uploads/). */
  readonly upload: S3Location;
  readonly uploadMaxBytes: number;
  readonly uploadUrlTtlSeconds: number;
  /** Preferred multipart part size, and the largest file sent in one PUT. */
  readonly uploadPartSizeBytes: number;
  /** Largest part the object store takes (S3: 5 GiB; the local emulator: 10 MiB). */
  readonly uploadPartMaxBytes?: number;
  readonly redriveMode: 'auto' | 'move-task' | 'resend';
}

const ControlEnvSchema = z.object({
  ...CommonShape,
  AWS_ENDPOINT_URL_SCHEDULER: url.optional(),
  API_TOKENS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .refine(
      (tokens) => tokens.every((t) => t.length >= 16),
      'every token must be at least 16 characters',
    )
    .optional(),
  API_HOST: z.string().min(1).default('0.0.0.0'),
  API_PORT: int(0, 65_535).default(8080),
  SCHEDULER_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-zA-Z-]*:iam::\d{12}:role\/.+$/, 'must be an IAM role ARN')
    .optional(),
  SCHEDULE_GROUP: z
    .string()
    .regex(SCHEDULE_GROUP.pattern, SCHEDULE_GROUP.message)
    .default(DEFAULTS.scheduleGroup),
  UPLOAD_URI: s3UriSchema({ prefix: true }).optional(),
  // Larger than one part goes as a multipart upload (S3 takes objects up to 5 TiB); the default
  // matches what a worker accepts (MAX_INPUT_BYTES).
  UPLOAD_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .max(5 * 1024 * 1024 * MIB)
    .default(DEFAULTS.uploadMaxBytes),
  UPLOAD_PART_MAX_MB: int(5, 5 * 1024).optional(),
  UPLOAD_URL_TTL_SECONDS: int(60, 7 * 24 * 3600).default(DEFAULTS.uploadUrlTtlSeconds),
  REDRIVE_MODE: z.enum(['auto', 'move-task', 'resend']).default('auto'),
});

export type ControlEnvName = keyof z.input<typeof ControlEnvSchema>;
export const CONTROL_ENV_NAMES = Object.keys(ControlEnvSchema.shape) as ControlEnvName[];

/** Reads the control plane's environment (API and CLI); one ConfigError names every bad field. */
export function loadControlConfig(env: NodeJS.ProcessEnv = process.env): ControlConfig {
  const e = parseEnv(ControlEnvSchema, env);
  return {
    ...commonConfig(e),
    ...optional('schedulerEndpoint', e.AWS_ENDPOINT_URL_SCHEDULER ?? e.AWS_ENDPOINT_URL),
    apiTokens: e.API_TOKENS ?? [],
    apiHost: e.API_HOST,
    apiPort: e.API_PORT,
    ...optional('schedulerRoleArn', e.SCHEDULER_ROLE_ARN),
    scheduleGroup: e.SCHEDULE_GROUP,
    upload: e.UPLOAD_URI ?? { bucket: e.OUTPUT_URI.bucket, key: 'uploads/' },
    uploadMaxBytes: e.UPLOAD_MAX_BYTES,
    uploadUrlTtlSeconds: e.UPLOAD_URL_TTL_SECONDS,
    uploadPartSizeBytes: e.UPLOAD_PART_SIZE_MB * MIB,
    ...(e.UPLOAD_PART_MAX_MB === undefined
      ? {}
      : { uploadPartMaxBytes: e.UPLOAD_PART_MAX_MB * MIB }),
    redriveMode: e.REDRIVE_MODE,
  };
}

const ApiClientEnvSchema = z.object({
  KT_API_URL: url.optional(),
  KT_API_TOKEN: z.string().min(1).optional(),
});

/** The CLI's way to the control API (`--api` and `--token` take precedence). */
export function loadApiClientConfig(env: NodeJS.ProcessEnv = process.env): {
  readonly url?: string;
  readonly token?: string;
} {
  const e = parseEnv(ApiClientEnvSchema, env);
  return { ...optional('url', e.KT_API_URL), ...optional('token', e.KT_API_TOKEN) };
}
