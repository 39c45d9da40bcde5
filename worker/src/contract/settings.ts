/**
 * The defaults and rules that the worker's environment (config/config.ts) and the deployment
 * config (charts/config/config.ts) share, written once: the charts fill in the worker's
 * environment from a deployment config, so a default or a rule that differed between the two
 * would change what runs depending on how it was started.
 */

const GIB = 1024 ** 3;

export const DEFAULTS = {
  /** Sources longer than this are split across many Jobs (0: never). */
  splitThresholdSeconds: 300,
  /** The length of a split source's chunks (whole HLS segments). */
  chunkSeconds: 60,
  /** The first chunk's length, from which the next ramp up to chunkSeconds (0: no ramp). */
  firstChunkSeconds: 8,
  idleTimeoutSeconds: 30,
  visibilityTimeoutSeconds: 120,
  heartbeatSeconds: 30,
  retryDelaySeconds: 30,
  retryDelayMaxSeconds: 300,
  shutdownGraceSeconds: 25,
  maxReceiveCount: 3,
  maxInputBytes: 20 * GIB,
  maxDurationSeconds: 4 * 3600,
  maxDimension: 8192,
  maxFrameRate: 120,
  uploadConcurrency: 4,
  /** Multipart part size: the worker's output uploads and the clients' source uploads. */
  uploadPartSizeMb: 8,
  /** Largest client upload; matches what a worker accepts (maxInputBytes). */
  uploadMaxBytes: 20 * GIB,
  uploadUrlTtlSeconds: 900,
  scheduleGroup: 'keda-transcoder',
  logLevel: 'info',
} as const;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export const AWS_REGION = {
  pattern: /^[a-z]{2}(-[a-z]+)+-\d$/,
  message: 'must be a region such as eu-west-1',
} as const;

export const TABLE_NAME = {
  pattern: /^[a-zA-Z0-9_.-]{3,255}$/,
  message: 'must be a DynamoDB table name (3-255 of a-z A-Z 0-9 _ . -)',
} as const;

export const SCHEDULE_GROUP = {
  pattern: /^[0-9a-zA-Z-_.]{1,64}$/,
  message: 'must be 1-64 letters, digits, "-", "_" or "."',
} as const;

/** The `source` of job events (EventBridge rules match on it). */
export const EVENTS_SOURCE = {
  pattern: /^[A-Za-z0-9][\w.\-/]{0,255}$/,
  message: 'must be a name like keda-transcoder or com.example.media',
} as const;

/**
 * The heartbeat must come at least twice per visibility timeout, so one late heartbeat cannot
 * let the message be redelivered mid-job. The problem with `names`' fields, or undefined.
 */
export function heartbeatProblem(
  heartbeatSeconds: number,
  visibilityTimeoutSeconds: number,
  names: { readonly visibility: string },
): string | undefined {
  return heartbeatSeconds * 2 > visibilityTimeoutSeconds
    ? `must be at most half of ${names.visibility} (${visibilityTimeoutSeconds}), so one late heartbeat cannot let the message be redelivered mid-job`
    : undefined;
}

/** The longest retry delay may not be shorter than the first. */
export function retryDelayProblem(
  retryDelaySeconds: number,
  retryDelayMaxSeconds: number,
  names: { readonly first: string },
): string | undefined {
  return retryDelayMaxSeconds < retryDelaySeconds
    ? `must be at least ${names.first} (${retryDelaySeconds})`
    : undefined;
}
