import { z } from 'zod';
import { ConfigError } from '../base/errors.ts';
import { s3UriSchema } from '../contract/s3-uri.ts';
import { AWS_REGION, DEFAULTS, LOG_LEVELS, TABLE_NAME } from '../contract/settings.ts';

/** What the worker's, the control plane's and the CLI's environment schemas are built from. */
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const url = z.url({ protocol: /^https?$/ });
export const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const MIB = 1024 * 1024;

/** What every entry point (worker, API, CLI) reads: where the queue, table and bucket are. */
export const CommonShape = {
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

/** Parses an environment against a schema; one ConfigError names every bad field. */
export function parseEnv<S extends z.ZodObject>(
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
export function commonConfig(e: z.output<z.ZodObject<typeof CommonShape>>) {
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

/** Empty strings count as unset, as they do for most twelve-factor apps. */
export function pickDefined(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') out[key] = value;
  }
  return out;
}

export function optional<K extends string>(
  key: K,
  value: string | undefined,
): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}
