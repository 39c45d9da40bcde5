import { createHash, randomUUID } from 'node:crypto';
import { BadRequestError } from '../base/errors.ts';
import { JOB_ID_PATTERN, validateJobMessage, type FieldProblem } from '../contract/message.ts';
import { childOf, formatS3Uri, parseS3Uri } from '../contract/s3-uri.ts';
import type { JobRecord, JobStatus, Stats } from '../record/job-record.ts';
import { decideEnqueued } from '../record/unclaimed.ts';
import type { ControlDeps } from './deps.ts';
import type { OpenedObject, QueueDepth } from './ports.ts';

/**
 * Jobs as clients see them: accept one (validated against the message contract, sent to the
 * queue, recorded QUEUED), read one or a page of them, the stats, and a file of a job's
 * outputs.
 */
/** What a client sees of a job: the record, without the ledger's internals. */
export interface JobView {
  readonly jobId: string;
  readonly status: JobStatus;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly attempts: number;
  readonly retries: number;
  readonly input?: string;
  readonly output?: string;
  readonly progress?: JobRecord['progress'];
  /** Playable while it runs: since when, and its (growing) master playlist. */
  readonly playable?: { readonly at: string; readonly master: string };
  readonly result?: unknown;
  readonly error?: JobRecord['error'];
  readonly history: JobRecord['history'];
  /** What became of the job's events (SNS, EventBridge, webhook). */
  readonly notifications?: JobRecord['notifications'];
}

export function toView(r: JobRecord): JobView {
  return {
    jobId: r.jobId,
    status: r.status,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    attempts: r.attempts,
    retries: r.retries,
    ...(r.input ? { input: r.input } : {}),
    ...(r.output ? { output: r.output } : {}),
    ...(r.progress ? { progress: r.progress } : {}),
    ...(r.playable ? { playable: { at: r.playable.at, master: r.playable.master } } : {}),
    ...(r.result !== undefined ? { result: r.result } : {}),
    ...(r.error ? { error: r.error } : {}),
    history: r.history,
    ...(r.notifications ? { notifications: r.notifications } : {}),
  };
}

/** A request body that is not a valid job: every problem, by field. */
export class InvalidJobError extends BadRequestError {
  readonly problems: readonly FieldProblem[];

  constructor(problems: readonly FieldProblem[]) {
    super(
      `invalid job: ${problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ')}`,
      {
        code: 'INVALID_JOB',
        status: 400,
      },
    );
    this.problems = problems;
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const IDEMPOTENCY_TTL_SECONDS = 24 * 3600;

export class Jobs {
  readonly #d: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#d = deps;
  }

  /**
   * Accepts a job: validates it against the message contract, sends it to the queue and
   * records it QUEUED. With an idempotency key, a repeated request returns the same job (and
   * a key reused for a different request is refused). Send first, then record: if the record
   * is lost, the worker creates it on receipt; the reverse would leave a QUEUED job with no
   * message.
   */
  async enqueue(
    body: unknown,
    options: { idempotencyKey?: string } = {},
  ): Promise<{ jobId: string; status: JobStatus; created: boolean; messageId?: string }> {
    const checked = validateJobMessage(body);
    if (!checked.ok) throw new InvalidJobError(checked.problems);
    const request = body as Record<string, unknown>;
    let jobId = checked.value.jobId ?? (this.#d.newId ?? randomUUID)();
    let replay = false;
    if (options.idempotencyKey !== undefined) {
      if (!IDEMPOTENCY_KEY.test(options.idempotencyKey)) {
        throw new BadRequestError('Idempotency-Key must be 1-255 printable ASCII characters', {
          code: 'BAD_IDEMPOTENCY_KEY',
        });
      }
      const fingerprint = fingerprintOf(request);
      const now = Math.floor(this.#d.clock.now() / 1000);
      const claim = await this.#d.ledger.claimIdempotencyKey(
        options.idempotencyKey,
        { jobId, fingerprint, expiresAt: now + IDEMPOTENCY_TTL_SECONDS },
        now,
      );
      if (claim.kind === 'existing') {
        if (claim.fingerprint !== fingerprint) {
          throw new BadRequestError(
            'this Idempotency-Key was already used for a different request',
            {
              code: 'IDEMPOTENCY_KEY_REUSED',
              status: 422,
            },
          );
        }
        jobId = claim.jobId;
        replay = true;
      }
    }
    const existing = await this.#d.ledger.get(jobId);
    if (existing) {
      if (replay) return { jobId, status: existing.status, created: false };
      throw new BadRequestError(
        `job ${jobId} already exists (${existing.status}); choose another jobId`,
        {
          code: 'JOB_EXISTS',
          status: 409,
        },
      );
    }
    const messageId = await this.#d.queue.send(JSON.stringify({ ...request, jobId }));
    const output = checked.value.output ?? childOf(this.#d.config.output, `${jobId}/`);
    const recorded = await this.#d.ledger.transition(
      jobId,
      (current) =>
        decideEnqueued(current, {
          jobId,
          now: this.#d.clock.now(),
          input: formatS3Uri(checked.value.input),
          output: formatS3Uri(output),
          request: checked.value,
          messageId,
        }),
      { known: undefined },
    );
    return { jobId, status: recorded.record.status, created: !replay, messageId };
  }

  async get(jobId: string): Promise<JobView | undefined> {
    if (!JOB_ID_PATTERN.test(jobId)) return undefined;
    const record = await this.#d.ledger.get(jobId);
    return record ? toView(record) : undefined;
  }

  async list(options: { status?: JobStatus; limit?: number; cursor?: string }): Promise<{
    items: JobView[];
    cursor?: string;
  }> {
    const page = await this.#d.ledger.list({
      limit: options.limit ?? 20,
      ...(options.status ? { status: options.status } : {}),
      ...(options.cursor ? { cursor: options.cursor } : {}),
    });
    return { items: page.items.map(toView), ...(page.cursor ? { cursor: page.cursor } : {}) };
  }

  async stats(): Promise<Stats & { queue: QueueDepth; deadLetterQueue: QueueDepth }> {
    const [stats, depths] = await Promise.all([this.#d.ledger.stats(), this.#d.queue.depths()]);
    return { ...stats, ...depths };
  }

  /**
   * One file of a job's outputs (a preview: the page's player reads the HLS ladder through
   * this). Only under the job's recorded output prefix; undefined when the job or the file
   * does not exist.
   */
  async output(jobId: string, path: string, range?: string): Promise<OpenedObject | undefined> {
    if (!JOB_ID_PATTERN.test(jobId)) return undefined;
    const segments = path.split('/');
    if (
      path.length > 512 ||
      segments.some((s) => s === '' || s === '.' || s === '..' || !/^[\w.@+=-]+$/.test(s))
    ) {
      throw new BadRequestError('the path must be a relative file name under the job output', {
        code: 'BAD_PATH',
      });
    }
    const record = await this.#d.ledger.get(jobId);
    if (!record?.output) return undefined;
    const prefix = parseS3Uri(record.output, { prefix: true });
    if (!prefix.ok) return undefined;
    return this.#d.openObject(childOf(prefix.value, path), range);
  }
}

/** A stable fingerprint of a request body (key order does not matter). */
function fingerprintOf(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}
