import { setTimeout as sleep } from 'node:timers/promises';
import { errorAction } from '../base/errors.ts';
import type { JobEvent } from '../record/job-event.ts';
import type { NotifierPort } from '../job/base/ports.ts';
import type { Delivery } from '../record/job-record.ts';
import { postWebhook, type WebhookOptions } from './webhook.ts';

/** One destination of the deployment's (an SNS topic, an EventBridge bus). */
export interface EventTarget {
  readonly name: string;
  publish(event: JobEvent, signal?: AbortSignal): Promise<void>;
}

export interface NotifierOptions {
  readonly targets: readonly EventTarget[];
  /** Absent: webhooks named in messages are refused (recorded as failed deliveries). */
  readonly webhook?: Omit<WebhookOptions, 'now'> & { readonly attempts: number };
  /** Tries per AWS destination (each with the SDK's own retries inside). @default 3 */
  readonly attempts?: number;
  /** First wait between tries, doubling. @default 1000 */
  readonly retryDelayMs?: number;
  readonly now: () => number;
}

/**
 * Delivers a job's event to every destination, each with its own retries, at least once: the
 * caller records the outcome, and leaves the job's notifications pending until it has (a worker
 * that dies first leaves them for the message's redelivery). Never throws.
 */
export class Notifier implements NotifierPort {
  readonly #o: NotifierOptions;

  constructor(options: NotifierOptions) {
    this.#o = options;
  }

  get hasTargets(): boolean {
    return this.#o.targets.length > 0;
  }

  async deliver(
    event: JobEvent,
    webhook: string | undefined,
    signal?: AbortSignal,
  ): Promise<Delivery[]> {
    const tries = this.#o.attempts ?? 3;
    const deliveries = this.#o.targets.map((t) =>
      this.#attempt(t.name, tries, (s) => t.publish(event, s), signal),
    );
    if (webhook) {
      const options = this.#o.webhook;
      deliveries.push(
        options
          ? this.#attempt(
              'webhook',
              options.attempts,
              () => postWebhook(webhook, event, { ...options, now: this.#o.now }),
              signal,
            )
          : Promise.resolve({
              target: 'webhook',
              ok: false,
              attempts: 0,
              at: new Date(this.#o.now()).toISOString(),
              error: 'webhooks are off in this deployment (no WEBHOOK_SECRET to sign them with)',
            }),
      );
    }
    return Promise.all(deliveries);
  }

  async #attempt(
    target: string,
    tries: number,
    send: (signal?: AbortSignal) => Promise<void>,
    signal: AbortSignal | undefined,
  ): Promise<Delivery> {
    let error = '';
    let attempts = 0;
    for (let i = 1; i <= tries; i++) {
      attempts = i;
      try {
        await send(signal);
        return { target, ok: true, attempts, at: new Date(this.#o.now()).toISOString() };
      } catch (err) {
        error = err instanceof Error ? err.message : String(err);
        // A refusal (4xx, a private address) will not change; anything else may pass.
        if (errorAction(err) === 'give-up' || i === tries || signal?.aborted) break;
        await sleep((this.#o.retryDelayMs ?? 1000) * 2 ** (i - 1), undefined, {
          ...(signal ? { signal } : {}),
        }).catch(() => undefined);
      }
    }
    return {
      target,
      ok: false,
      attempts,
      at: new Date(this.#o.now()).toISOString(),
      error: error.slice(0, 500),
    };
  }
}
