import type { JobView } from '../control/jobs.ts';
import type { QueueDepth, ScheduleView } from '../control/ports.ts';
import type { ControlService } from '../control/service.ts';
import type { Stats } from '../record/job-record.ts';
import { uploadFile, type UploadOptions } from './upload.ts';

/**
 * What the CLI can ask for, two ways: straight to AWS with the SDK (the same use cases the API
 * runs), or through the control API with `--api`.
 */
export interface ControlClient {
  enqueue(
    body: object,
    options: { idempotencyKey?: string },
  ): Promise<{ jobId: string; status: string }>;
  get(jobId: string): Promise<JobView | undefined>;
  list(query: {
    status?: string;
    limit?: number;
    cursor?: string;
  }): Promise<{ items: JobView[]; cursor?: string }>;
  stats(): Promise<Stats & { queue: QueueDepth; deadLetterQueue: QueueDepth }>;
  schedule(input: {
    cron: string;
    timezone?: string;
    name?: string;
    job: object;
  }): Promise<ScheduleView>;
  schedules(): Promise<ScheduleView[]>;
  unschedule(name: string): Promise<boolean>;
  deadLetters(limit: number): Promise<unknown[]>;
  redrive(max: number): Promise<unknown>;
  /** Uploads a local source file; returns the `s3://` input to enqueue. */
  upload(path: string, options?: UploadOptions): Promise<string>;
}

export class DirectClient implements ControlClient {
  readonly #service: ControlService;

  constructor(service: ControlService) {
    this.#service = service;
  }

  enqueue(body: object, options: { idempotencyKey?: string }) {
    return this.#service.enqueue(body, options);
  }
  get(jobId: string) {
    return this.#service.get(jobId);
  }
  list(query: { status?: string; limit?: number; cursor?: string }) {
    return this.#service.list(query as Parameters<ControlService['list']>[0]);
  }
  stats() {
    return this.#service.stats();
  }
  schedule(input: { cron: string; timezone?: string; name?: string; job: object }) {
    return this.#service.schedule(input);
  }
  schedules() {
    return this.#service.schedules();
  }
  unschedule(name: string) {
    return this.#service.unschedule(name);
  }
  deadLetters(limit: number) {
    return this.#service.deadLetters(limit);
  }
  redrive(max: number) {
    return this.#service.redrive(max);
  }
  upload(path: string, options: UploadOptions = {}): Promise<string> {
    return uploadFile(this.#service.uploads, path, options);
  }
}

/** Errors the API answered with, carrying its problem document. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: { detail?: string; errors?: { field: string; message: string }[] };

  constructor(status: number, problem: ApiError['problem']) {
    const fields = problem.errors?.map((e) => `\n  ${e.field}: ${e.message}`).join('') ?? '';
    super(`${problem.detail ?? `HTTP ${status}`}${fields}`);
    this.status = status;
    this.problem = problem;
  }
}

export class HttpClient implements ControlClient {
  readonly #base: string;
  readonly #token: string | undefined;

  constructor(baseUrl: string, token: string | undefined) {
    this.#base = baseUrl.replace(/\/+$/, '');
    this.#token = token;
  }

  async #call<T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; data: T }> {
    const response = await fetch(`${this.#base}${path}`, {
      method,
      headers: {
        ...(this.#token ? { Authorization: `Bearer ${this.#token}` } : {}),
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    const data = (text ? JSON.parse(text) : undefined) as T;
    if (!response.ok && response.status !== 404) throw new ApiError(response.status, data ?? {});
    return { status: response.status, data };
  }

  async enqueue(body: object, options: { idempotencyKey?: string }) {
    const headers: Record<string, string> = options.idempotencyKey
      ? { 'Idempotency-Key': options.idempotencyKey }
      : {};
    return (await this.#call<{ jobId: string; status: string }>('POST', '/jobs', body, headers))
      .data;
  }
  async get(jobId: string) {
    const r = await this.#call<JobView>('GET', `/jobs/${encodeURIComponent(jobId)}`);
    return r.status === 404 ? undefined : r.data;
  }
  async list(query: { status?: string; limit?: number; cursor?: string }) {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    return (
      await this.#call<{ items: JobView[]; cursor?: string }>('GET', `/jobs?${params.toString()}`)
    ).data;
  }
  async stats() {
    return (
      await this.#call<Stats & { queue: QueueDepth; deadLetterQueue: QueueDepth }>(
        'GET',
        '/jobs/stats',
      )
    ).data;
  }
  async schedule(input: { cron: string; timezone?: string; name?: string; job: object }) {
    return (await this.#call<ScheduleView>('POST', '/jobs/schedule', input)).data;
  }
  async schedules() {
    return (await this.#call<{ items: ScheduleView[] }>('GET', '/jobs/schedules')).data.items;
  }
  async unschedule(name: string) {
    return (
      (await this.#call('DELETE', `/jobs/schedules/${encodeURIComponent(name)}`)).status === 204
    );
  }
  async deadLetters(limit: number) {
    return (await this.#call<{ items: unknown[] }>('GET', `/dlq?limit=${limit}`)).data.items;
  }
  async redrive(max: number) {
    return (await this.#call('POST', '/dlq/redrive', { max })).data;
  }
  upload(path: string, options: UploadOptions = {}): Promise<string> {
    const base = '/uploads';
    const call = async <T>(method: string, route: string, body?: unknown): Promise<T> => {
      const { status, data } = await this.#call<T>(method, route, body);
      if (status === 404) throw new ApiError(status, data as ApiError['problem']);
      return data;
    };
    return uploadFile(
      {
        create: (input) => call('POST', base, input),
        parts: (id, from, count) =>
          call('GET', `${base}/${id}/parts?from=${from}&count=${count ?? 100}`),
        complete: (id, parts) => call('POST', `${base}/${id}/complete`, { parts }),
        abort: (id) => call('DELETE', `${base}/${id}`),
      },
      path,
      options,
    );
  }
}
