import { goParseBool, goParseInt, jsonInt64 } from './go-parse.ts';

/**
 * KEDA's aws-sqs-queue scaler (pkg/scalers/aws_sqs_queue_scaler.go, read through
 * pkg/scalers/scalersconfig/typed_config.go), pure: what it makes of the trigger's metadata and
 * of GetQueueAttributes' answer. Anything KEDA refuses is refused here with the field named, so
 * a ScaledJob that would not scale in the cluster does not scale locally either.
 */
export interface SqsTrigger {
  readonly queueURL: string;
  /** The name KEDA derives from the URL (its metric is named after it). */
  readonly queueName: string;
  readonly awsRegion: string;
  /** Target messages per Job (KEDA's `queueLength`, default 5). */
  readonly queueLength: number;
  /** Active only above this (default 0). */
  readonly activationQueueLength: number;
  readonly scaleOnInFlight: boolean;
  readonly scaleOnDelayed: boolean;
  /** The attributes the scaler asks SQS for, in KEDA's order. */
  readonly attributeNames: readonly SqsCountAttribute[];
}

export type SqsCountAttribute =
  | 'ApproximateNumberOfMessages'
  | 'ApproximateNumberOfMessagesNotVisible'
  | 'ApproximateNumberOfMessagesDelayed';

export class ScalerConfigError extends Error {
  override readonly name = 'ScalerConfigError';
}

/**
 * The trigger's metadata as KEDA parses it. `env` is the container's resolved environment, for
 * `queueURLFromEnv`. Values are trimmed and an empty one counts as absent, as in KEDA's typed
 * config.
 */
export function parseSqsTrigger(
  metadata: Readonly<Record<string, unknown>>,
  env: Readonly<Record<string, string>> = {},
): SqsTrigger {
  const value = (key: string): string | undefined => {
    const raw = metadata[key];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== 'string')
      throw new ScalerConfigError(`trigger metadata ${key}: must be a string, got ${typeof raw}`);
    const v = raw.trim();
    return v === '' ? undefined : v;
  };
  const fromEnv = (key: string): string | undefined => {
    const name = value(`${key}FromEnv`);
    const v = name === undefined ? undefined : env[name]?.trim();
    return v === '' ? undefined : v;
  };
  const int = (key: string, fallback: number): number => {
    const v = value(key);
    if (v === undefined) return fallback;
    const n = jsonInt64(v);
    if (n === undefined)
      throw new ScalerConfigError(`trigger metadata ${key}: "${v}" is not an integer`);
    return n;
  };
  const bool = (key: string, fallback: boolean): boolean => {
    const v = value(key);
    if (v === undefined) return fallback;
    const b = goParseBool(v);
    if (b === undefined)
      throw new ScalerConfigError(
        `trigger metadata ${key}: "${v}" is not a boolean (Go's ParseBool: true, True, TRUE, t, 1 or their false forms)`,
      );
    return b;
  };

  const queueURL = value('queueURL') ?? fromEnv('queueURL');
  if (queueURL === undefined)
    throw new ScalerConfigError(
      'trigger metadata queueURL: missing (set queueURL, or queueURLFromEnv naming a set variable)',
    );
  const awsRegion = value('awsRegion');
  if (awsRegion === undefined) throw new ScalerConfigError('trigger metadata awsRegion: missing');
  const scaleOnInFlight = bool('scaleOnInFlight', true);
  const scaleOnDelayed = bool('scaleOnDelayed', false);
  return {
    queueURL,
    queueName: queueNameOf(queueURL),
    awsRegion,
    queueLength: int('queueLength', 5),
    activationQueueLength: int('activationQueueLength', 0),
    scaleOnInFlight,
    scaleOnDelayed,
    attributeNames: [
      'ApproximateNumberOfMessages',
      ...(scaleOnInFlight ? (['ApproximateNumberOfMessagesNotVisible'] as const) : []),
      ...(scaleOnDelayed ? (['ApproximateNumberOfMessagesDelayed'] as const) : []),
    ],
  };
}

/**
 * KEDA's reading of queueURL: a request URI (an absolute URL, or a path from the root) must have
 * the path /<account>/<name>; anything else is taken as the queue's name itself.
 */
export function queueNameOf(queueURL: string): string {
  let path: string | undefined;
  if (queueURL.startsWith('/')) path = queueURL.split(/[?#]/)[0];
  else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(queueURL)) {
    try {
      path = new URL(queueURL).pathname;
    } catch {
      path = undefined;
    }
    // An empty path is "/" here and "" in Go: both fail the check below alike.
  }
  if (path === undefined) return queueURL;
  const parts = path.split('/');
  if (parts.length !== 3 || parts[2] === '')
    throw new ScalerConfigError(
      `trigger metadata queueURL: cannot get a queue name from "${queueURL}" (expected https://sqs.<region>.amazonaws.com/<account>/<queue>)`,
    );
  return parts[2]!;
}

/**
 * The scaler's metric from GetQueueAttributes' answer: the sum of the attributes it asked for.
 * A missing or non-integer attribute is an error (KEDA then skips the trigger for this cycle).
 */
export function sqsQueueLength(
  attributes: Readonly<Record<string, string | undefined>> | undefined,
  trigger: Pick<SqsTrigger, 'attributeNames'>,
): number {
  let total = 0;
  for (const name of trigger.attributeNames) {
    const raw = attributes?.[name];
    if (raw === undefined) throw new Error(`metric ${name} not found in SQS queue attributes`);
    const n = goParseInt(raw);
    if (n === undefined) throw new Error(`SQS attribute ${name} is not an integer: "${raw}"`);
    total += n;
  }
  return total;
}

/** GetMetricsAndActivity's activity: the metric above activationQueueLength. */
export function sqsActive(queueLength: number, trigger: Pick<SqsTrigger, 'activationQueueLength'>) {
  return queueLength > trigger.activationQueueLength;
}
