import { DLQ_ATTRIBUTES } from '../contract/dead-letter.ts';
import { jobIdHint } from '../contract/message.ts';
import type { JobStatus } from '../record/job-record.ts';
import { decideAbandoned } from '../record/unclaimed.ts';
import { UNKNOWN_RECORD } from '../record/store.ts';
import type { ControlDeps } from './deps.ts';
import type { RedriveResult } from './ports.ts';

/** A dead letter as the API shows it: the message and the reason the worker recorded. */
export interface DeadLetterView {
  readonly messageId: string;
  readonly jobId?: string;
  readonly code?: string;
  readonly reason?: string;
  readonly receiveCount?: number;
  readonly failedAt?: string;
  readonly status?: JobStatus;
  readonly body: string;
}

/** The dead-letter queue: what is in it and why, and moving it back to the work queue. */
export class DeadLetters {
  readonly #d: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#d = deps;
  }

  /**
   * What is in the dead-letter queue, with the recorded reasons. A job whose worker died on its
   * last allowed receive is still RUNNING with an expired lease: it is recorded FAILED here.
   */
  async list(limit = 50): Promise<DeadLetterView[]> {
    const letters = await this.#d.queue.peekDeadLetters(limit);
    return Promise.all(
      letters.map(async (letter) => {
        const a = letter.attributes;
        const jobId = a[DLQ_ATTRIBUTES.jobId] ?? jobIdHint(letter.body) ?? letter.messageId;
        const result = await this.#d.ledger.transition(
          jobId,
          (current) => decideAbandoned(current, { now: this.#d.clock.now() }),
          { known: UNKNOWN_RECORD },
        );
        const record = result.record;
        return {
          messageId: letter.messageId,
          jobId,
          ...(a[DLQ_ATTRIBUTES.code]
            ? { code: a[DLQ_ATTRIBUTES.code] }
            : record?.error
              ? { code: record.error.code }
              : {}),
          ...(a[DLQ_ATTRIBUTES.reason]
            ? { reason: a[DLQ_ATTRIBUTES.reason] }
            : record?.error
              ? { reason: record.error.message }
              : {}),
          ...(a[DLQ_ATTRIBUTES.receiveCount]
            ? { receiveCount: Number(a[DLQ_ATTRIBUTES.receiveCount]) }
            : {}),
          ...(a[DLQ_ATTRIBUTES.failedAt] ? { failedAt: a[DLQ_ATTRIBUTES.failedAt] } : {}),
          ...(record ? { status: record.status } : {}),
          body: letter.body,
        };
      }),
    );
  }

  async redrive(max = 1000): Promise<RedriveResult> {
    return this.#d.queue.redrive(this.#d.config.redriveMode, max);
  }
}
