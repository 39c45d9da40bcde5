import { z } from 'zod';
import { s3UriSchema, type S3Location } from '../contract/s3-uri.ts';
import { DEFAULTS, SCHEDULE_GROUP } from '../contract/settings.ts';
import type { Config } from './config.ts';
import { CommonShape, commonConfig, int, MIB, optional, parseEnv, url } from './env.ts';

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
