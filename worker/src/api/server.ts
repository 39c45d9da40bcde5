import { createHash, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Fastify, { type FastifyError, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import { BadRequestError, TranscoderError } from '../base/errors.ts';
import { InvalidJobError } from '../control/jobs.ts';
import type { ControlService } from '../control/service.ts';
import { InvalidUploadError } from '../control/uploads.ts';
import type { FieldProblem } from '../contract/message.ts';
import { openApiDocument } from './openapi.ts';
import {
  CompleteBody,
  LimitQuery,
  ListQuery,
  parse,
  PartsQuery,
  RedriveBody,
  ScheduleBody,
  UploadBody,
} from './requests.ts';

export interface ApiOptions {
  readonly service: ControlService;
  /** Bearer tokens accepted; compared in constant time. */
  readonly tokens: readonly string[];
  readonly logger: Logger;
  /** Throws when a dependency is unreachable (for /readyz). */
  readonly ready: () => Promise<void>;
  /** @default 65536 */
  readonly bodyLimit?: number;
  /**
   * Where the page may send upload parts: the S3 endpoint's origin (a local or private one),
   * or by default any S3 endpoint in AWS.
   * @default 'https://*.amazonaws.com'
   */
  readonly uploadOrigin?: string;
}

const OPEN = new Set([
  '/healthz',
  '/readyz',
  '/openapi.json',
  '/',
  '/ui/app.js',
  '/ui/player.js',
  '/ui/app.css',
  '/ui/hls.min.js',
]);

/**
 * The page's static files, read once. The page holds no data: everything it shows comes from
 * the authenticated routes, with the token the person gives it.
 */
const UI_DIR = join(import.meta.dirname, 'ui');
const UI_FILES = {
  '/': { file: join(UI_DIR, 'index.html'), type: 'text/html; charset=utf-8' },
  '/ui/app.js': { file: join(UI_DIR, 'app.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/player.js': { file: join(UI_DIR, 'player.js'), type: 'text/javascript; charset=utf-8' },
  '/ui/app.css': { file: join(UI_DIR, 'app.css'), type: 'text/css; charset=utf-8' },
  '/ui/hls.min.js': {
    // The image's bundle carries hls.js's browser build beside the page; the sources use the package.
    file: existsSync(join(UI_DIR, 'hls.min.js'))
      ? join(UI_DIR, 'hls.min.js')
      : createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'),
    type: 'text/javascript; charset=utf-8',
  },
} as const;
/** The page's Content-Security-Policy: its own files, and uploads to S3 only. */
function pagePolicy(uploadOrigin: string): string {
  return [
    "default-src 'self'",
    `connect-src 'self' ${uploadOrigin}`,
    "media-src 'self' blob:",
    "worker-src 'self' blob:",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/** The origin presigned URLs point at: the configured S3 endpoint, or S3 in AWS. */
export function uploadOriginOf(s3Endpoint: string | undefined): string {
  return s3Endpoint ? new URL(s3Endpoint).origin : 'https://*.amazonaws.com';
}
export function buildApi(options: ApiOptions) {
  const app = Fastify({
    loggerInstance: options.logger,
    bodyLimit: options.bodyLimit ?? 64 * 1024,
    return503OnClosing: true,
    // An upload id carries S3's own (up to a few hundred characters) and the key.
    routerOptions: { maxParamLength: 2048 },
  });
  // JSON only: anything else is a 415, not a body to misread.
  app.removeContentTypeParser('text/plain');
  const { service } = options;
  const digests = options.tokens.map(digest);

  app.addHook('onRequest', async (request, reply) => {
    if (OPEN.has(request.routeOptions.url ?? '')) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    const presented = match ? digest(match[1]!) : undefined;
    // Compare against every token, so timing says nothing about which (if any) matched.
    let ok = false;
    for (const d of digests) ok = (presented !== undefined && timingSafeEqual(d, presented)) || ok;
    if (!ok) {
      reply.header('WWW-Authenticate', 'Bearer realm="keda-transcoder"');
      return problem(
        reply,
        401,
        'unauthorized',
        'Unauthorized',
        'a valid bearer token is required',
      );
    }
  });

  app.setNotFoundHandler((request, reply) =>
    problem(
      reply,
      404,
      'not-found',
      'Not Found',
      `no route ${request.method} ${request.url.split('?')[0]}`,
    ),
  );
  app.setErrorHandler((err: FastifyError, request, reply) => {
    if (err instanceof InvalidJobError || err instanceof InvalidUploadError) {
      return problem(
        reply,
        400,
        err.code.toLowerCase(),
        'Invalid request',
        err.message,
        err.problems,
      );
    }
    if (err instanceof BadRequestError) {
      return problem(reply, err.status, err.code.toLowerCase(), titleFor(err.status), err.message);
    }
    if (err instanceof TranscoderError) {
      request.log.warn({ err }, 'dependency failed');
      if (err.retryable) reply.header('Retry-After', '5');
      return problem(
        reply,
        err.retryable ? 503 : 502,
        err.code.toLowerCase(),
        titleFor(err.retryable ? 503 : 502),
        err.message,
      );
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Fastify's own: malformed JSON, body too large, unsupported media type.
      const known: Record<string, [string, string]> = {
        FST_ERR_CTP_BODY_TOO_LARGE: [
          'body_too_large',
          `the body is larger than ${options.bodyLimit ?? 65_536} bytes`,
        ],
        FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'send application/json'],
        FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'the body is not valid JSON'],
        FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'the body is empty'],
      };
      const [code, detail] = known[err.code] ?? ['bad_request', err.message];
      return problem(reply, status, code, titleFor(status), detail);
    }
    request.log.error({ err }, 'unhandled error');
    return problem(
      reply,
      500,
      'internal',
      'Internal Server Error',
      'an unexpected error; it has been logged',
    );
  });

  app.get('/healthz', () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await options.ready();
      return { status: 'ready' };
    } catch (err) {
      return problem(reply, 503, 'not-ready', 'Service Unavailable', (err as Error).message);
    }
  });
  app.get('/openapi.json', () => openApiDocument());
  const policy = pagePolicy(options.uploadOrigin ?? uploadOriginOf(undefined));
  const ui = Object.entries(UI_FILES).map(([route, f]) => ({
    route,
    type: f.type,
    body: readFileSync(f.file),
  }));
  for (const f of ui) {
    app.get(f.route, (_request, reply) =>
      reply
        .type(f.type)
        .header('Cache-Control', 'no-cache')
        .header('X-Content-Type-Options', 'nosniff')
        .header('Content-Security-Policy', policy)
        .send(f.body),
    );
  }

  // A job's outputs, read through the API (the page's player; previews, not a CDN).
  app.get<{ Params: { id: string; '*': string } }>(
    '/jobs/:id/outputs/*',
    async (request, reply) => {
      const range = request.headers.range;
      const file = await service.output(
        request.params.id,
        request.params['*'],
        typeof range === 'string' ? range : undefined,
      );
      if (!file)
        return problem(
          reply,
          404,
          'output-not-found',
          'Not Found',
          `no output ${request.params['*']} for job ${request.params.id}`,
        );
      reply
        .code(file.contentRange ? 206 : 200)
        .header('Accept-Ranges', 'bytes')
        .header('X-Content-Type-Options', 'nosniff')
        .type(file.contentType ?? 'application/octet-stream');
      if (file.contentLength !== undefined) reply.header('Content-Length', file.contentLength);
      if (file.contentRange) reply.header('Content-Range', file.contentRange);
      if (file.etag) reply.header('ETag', file.etag);
      if (file.cacheControl) reply.header('Cache-Control', file.cacheControl);
      return reply.send(file.body);
    },
  );

  app.post('/jobs', async (request, reply) => {
    const key = request.headers['idempotency-key'];
    const result = await service.enqueue(request.body, {
      ...(typeof key === 'string' ? { idempotencyKey: key } : {}),
    });
    if (!result.created) reply.header('Idempotent-Replayed', 'true');
    reply.header('Location', `/jobs/${result.jobId}`);
    return reply.code(202).send({
      jobId: result.jobId,
      status: result.status,
      links: { self: `/jobs/${result.jobId}` },
    });
  });
  app.get('/jobs', async (request) => {
    const query = parse(ListQuery, request.query, 'query');
    return service.list(query);
  });
  app.get('/jobs/stats', () => service.stats());
  app.get<{ Params: { id: string } }>('/jobs/:id', async (request, reply) => {
    const job = await service.get(request.params.id);
    return job ?? problem(reply, 404, 'job-not-found', 'Not Found', `no job ${request.params.id}`);
  });
  app.post('/jobs/schedule', async (request, reply) => {
    const body = parse(ScheduleBody, request.body, 'body');
    const created = await service.schedule({
      cron: body.cron,
      job: body.job,
      ...(body.timezone ? { timezone: body.timezone } : {}),
      ...(body.name ? { name: body.name } : {}),
    });
    reply.header('Location', `/jobs/schedules/${created.name}`);
    return reply.code(201).send(created);
  });
  app.get('/jobs/schedules', async () => ({ items: await service.schedules() }));
  app.delete<{ Params: { name: string } }>('/jobs/schedules/:name', async (request, reply) => {
    const deleted = await service.unschedule(request.params.name);
    return deleted
      ? reply.code(204).send()
      : problem(
          reply,
          404,
          'schedule-not-found',
          'Not Found',
          `no schedule ${request.params.name}`,
        );
  });
  app.post('/uploads', async (request, reply) => {
    const body = parse(UploadBody, request.body, 'body');
    const created = await service.uploads.create(body);
    if (created.kind === 'multipart') reply.header('Location', created.links.abort);
    return reply.code(201).send(created);
  });
  app.get<{ Params: { id: string } }>('/uploads/:id/parts', async (request) => {
    const query = parse(PartsQuery, request.query, 'query');
    return service.uploads.parts(request.params.id, query.from, query.count);
  });
  // A 10,000-part completion lists 10,000 ETags: more than the default body limit.
  app.post<{ Params: { id: string } }>(
    '/uploads/:id/complete',
    { bodyLimit: 2 * 1024 * 1024 },
    async (request) => {
      const body = parse(CompleteBody, request.body, 'body');
      return service.uploads.complete(request.params.id, body.parts);
    },
  );
  app.delete<{ Params: { id: string } }>('/uploads/:id', async (request, reply) => {
    await service.uploads.abort(request.params.id);
    return reply.code(204).send();
  });
  app.get('/dlq', async (request) => {
    const { limit } = parse(LimitQuery, request.query, 'query');
    return { items: await service.deadLetters(limit) };
  });
  app.post('/dlq/redrive', async (request, reply) => {
    const { max } = parse(RedriveBody, request.body ?? undefined, 'body');
    return reply.code(202).send(await service.redrive(max));
  });
  return app;
}

function problem(
  reply: FastifyReply,
  status: number,
  rawCode: string,
  title: string,
  detail: string,
  errors?: readonly FieldProblem[],
) {
  // One spelling for every problem code: lowercase, hyphenated (INVALID_JOB -> invalid-job).
  const code = rawCode.toLowerCase().replace(/_/g, '-');
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      type: `urn:keda-transcoder:problem:${code}`,
      title,
      status,
      detail,
      code,
      ...(errors ? { errors } : {}),
    });
}

function titleFor(status: number): string {
  return (
    {
      400: 'Bad Request',
      401: 'Unauthorized',
      404: 'Not Found',
      409: 'Conflict',
      413: 'Content Too Large',
      415: 'Unsupported Media Type',
      422: 'Unprocessable Content',
      501: 'Not Implemented',
      502: 'Bad Gateway',
      503: 'Service Unavailable',
    }[status] ?? 'Error'
  );
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
