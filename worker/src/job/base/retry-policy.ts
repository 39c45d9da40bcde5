import type { ErrorAction } from '../../base/errors.ts';

export interface RetrySettings {
  readonly maxReceiveCount: number;
  readonly retryDelaySeconds: number;
  readonly retryDelayMaxSeconds: number;
}

/** What to do with the message and the record after an attempt failed. */
export type FailureAction =
  /** Another worker owns the job now: touch neither the record nor the message. */
  | { readonly kind: 'abandon' }
  /** Record the attempt, make the message visible again after `delaySeconds`. */
  | {
      readonly kind: 'retry';
      readonly delaySeconds: number;
      readonly outcome: 'retry' | 'interrupted';
    }
  /**
   * Record FAILED, send the message to the dead-letter queue, delete it from the work queue;
   * `crash`: the error was outside the model, and the worker exits non-zero afterwards.
   */
  | { readonly kind: 'dead-letter'; readonly crash?: true };

/**
 * The retry decision, from the error's own action and the delivery count: a retryable error is
 * retried with exponential backoff until the delivery that SQS's redrive policy would make the
 * last; then, or for any permanent error, the message goes to the DLQ at once with its reason,
 * so no pod is spent on an attempt that cannot succeed. An error outside the model (`crash`)
 * is never retried: a bug fails the same way every time.
 */
export function decideFailureAction(
  action: ErrorAction,
  receiveCount: number,
  settings: RetrySettings,
  random: () => number = Math.random,
): FailureAction {
  switch (action) {
    case 'abandon':
      return { kind: 'abandon' };
    case 'crash':
      return { kind: 'dead-letter', crash: true };
    case 'give-up':
      return { kind: 'dead-letter' };
    case 'release':
    case 'retry':
      if (receiveCount >= settings.maxReceiveCount) return { kind: 'dead-letter' };
      // Shutdown is not the job's fault: hand it to the next worker straight away.
      if (action === 'release') return { kind: 'retry', delaySeconds: 0, outcome: 'interrupted' };
      return {
        kind: 'retry',
        delaySeconds: retryDelaySeconds(receiveCount, settings, random),
        outcome: 'retry',
      };
  }
}

/**
 * Backoff for the retry after delivery `receiveCount`: base x 2^(n-1), plus up to 20%
 * jitter upwards, capped at the maximum. Jitter only adds, so the configured delay is a floor.
 */
export function retryDelaySeconds(
  receiveCount: number,
  settings: Pick<RetrySettings, 'retryDelaySeconds' | 'retryDelayMaxSeconds'>,
  random: () => number = Math.random,
): number {
  const exponential = settings.retryDelaySeconds * 2 ** Math.max(0, receiveCount - 1);
  const capped = Math.min(settings.retryDelayMaxSeconds, exponential);
  return Math.min(settings.retryDelayMaxSeconds, Math.ceil(capped * (1 + 0.2 * random())));
}
