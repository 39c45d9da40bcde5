import { createHash, randomUUID } from 'node:crypto';
import type { ControlConfig } from '../config.ts';
import { BadRequestError } from '../errors.ts';
import { JOB_ID_PATTERN, validateJobMessage, type FieldProblem } from '../job/message.ts';
import { DLQ_ATTRIBUTES, UNKNOWN_RECORD, type Clock } from '../job/ports.ts';
import { childOf, formatS3Uri, parseS3Uri, type S3Location } from '../job/s3-uri.ts';
import type { DynamoLedger } from '../ledger/dynamo-ledger.ts';
import {
  decideAbandoned,
  decideEnqueued,
  type JobRecord,
  type JobStatus,
  type Stats,
} from '../ledger/job-record.ts';
import type { EventBridgeScheduler, ScheduleView } from '../scheduler/eventbridge-scheduler.ts';
import type { QueueDepth, SqsControl } from '../queue/sqs-queue.ts';
import type { OpenedObject } from '../storage/s3-storage.ts';
import { isTimeZone, translateCron } from './cron.ts';
import { Uploads, type UploadStore } from './uploads.ts';

/**
 * The control plane's use cases: what the HTTP API and the CLI do, written once. They share
 * the worker's message contract, ledger and adapters; nothing here knows about HTTP.
 */
export interface ControlDeps {
  readonly config: ControlConfig;
  readonly ledger: Pick<
    DynamoLedger,
    'get' | 'list' | 'stats' | 'transition' | 'claimIdempotencyKey'
  >;
  readonly queue: Pick<SqsControl, 'send' | 'depths' | 'peekDeadLetters' | 'redrive'>;
  /** Absent when no scheduler role is configured (local runs): schedules are then refused. */
  readonly scheduler?: Pick<EventBridgeScheduler, 'create' | 'list' | 'get' | 'delete'>;
  /** Where clients upload sources (presigned PUTs and multipart uploads). */
  readonly uploadStore: UploadStore;
  readonly openObject: (location: S3Location, range?: string) => Promise<OpenedObject | undefined>;
  readonly clock: Clock;
  readonly newId?: () => string;
}

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
const SCHEDULE_NAME = /^[0-9A-Za-z._-]{1,64}$/;

export class ControlService {
  readonly #d: ControlDeps;
  /** Client uploads of sources: presigned PUTs and multipart uploads (uploads.ts). */
  readonly uploads: Uploads;

  constructor(deps: ControlDeps) {
    this.#d = deps;
    this.uploads = new Uploads({
      store: deps.uploadStore,
      settings: deps.config,
      clock: deps.clock,
      newId: () => this.#newId(),
    });
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
    let jobId = checked.value.jobId ?? this.#newId();
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

  /** A recurring job: a 5-field cron in a time zone, sending the job message to the queue. */
  async schedule(input: {
    cron: string;
    timezone?: string;
    job: unknown;
    name?: string;
  }): Promise<ScheduleView> {
    const scheduler = this.#requireScheduler();
    const problems: FieldProblem[] = [];
    const cron = translateCron(input.cron);
    if (!cron.ok) problems.push({ field: 'cron', message: cron.error });
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone))
      problems.push({
        field: 'timezone',
        message: `"${timezone}" is not an IANA time zone such as Europe/Paris`,
      });
    if (input.name !== undefined && !SCHEDULE_NAME.test(input.name)) {
      problems.push({ field: 'name', message: 'must be 1-64 letters, digits, ".", "_" or "-"' });
    }
    const job = validateJobMessage(input.job);
    if (!job.ok)
      problems.push(
        ...job.problems.map((p) => ({
          field: p.field ? `job.${p.field}` : 'job',
          message: p.message,
        })),
      );
    else if (job.value.jobId !== undefined) {
      problems.push({
        field: 'job.jobId',
        message: 'a scheduled job runs many times; leave jobId out and each run gets its own',
      });
    }
    if (problems.length > 0) throw new InvalidJobError(problems);
    const body = JSON.stringify(input.job);
    const name =
      input.name ??
      `job-${createHash('sha256').update(`${input.cron}|${timezone}|${body}`).digest('hex').slice(0, 16)}`;
    await scheduler.create({
      name,
      expression: (cron as { expression: string }).expression,
      timezone,
      body,
      description: `keda-transcoder: ${input.cron} (${timezone})`,
    });
    return (
      (await scheduler.get(name)) ?? {
        name,
        expression: (cron as { expression: string }).expression,
        timezone,
        state: 'ENABLED',
        body,
      }
    );
  }

  async schedules(): Promise<ScheduleView[]> {
    return this.#requireScheduler().list();
  }

  async unschedule(name: string): Promise<boolean> {
    if (!SCHEDULE_NAME.test(name)) return false;
    return this.#requireScheduler().delete(name);
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

  /**
   * What is in the dead-letter queue, with the recorded reasons. A job whose worker died on its
   * last allowed receive is still RUNNING with an expired lease: it is recorded FAILED here.
   */
  async deadLetters(limit = 50): Promise<
    {
      messageId: string;
      jobId?: string;
      code?: string;
      reason?: string;
      receiveCount?: number;
      failedAt?: string;
      status?: JobStatus;
      body: string;
    }[]
  > {
    const letters = await this.#d.queue.peekDeadLetters(limit);
    return Promise.all(
      letters.map(async (letter) => {
        const a = letter.attributes;
        const jobId = a[DLQ_ATTRIBUTES.jobId] ?? jobIdIn(letter.body) ?? letter.messageId;
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

  async redrive(
    max = 1000,
  ): Promise<{ mode: 'move-task' | 'resend'; moved?: number; taskHandle?: string }> {
    return this.#d.queue.redrive(this.#d.config.redriveMode, max);
  }

  #requireScheduler() {
    if (!this.#d.scheduler) {
      throw new BadRequestError('schedules need EventBridge Scheduler: set SCHEDULER_ROLE_ARN', {
        code: 'SCHEDULES_DISABLED',
        status: 501,
      });
    }
    return this.#d.scheduler;
  }

  #newId(): string {
    return (this.#d.newId ?? randomUUID)();
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

function jobIdIn(body: string): string | undefined {
  try {
    const id = (JSON.parse(body) as { jobId?: unknown }).jobId;
    return typeof id === 'string' && JOB_ID_PATTERN.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}
