import { jobMessageJsonSchema } from '../contract/message.ts';

/** The API's OpenAPI 3.1 document, served at /openapi.json; the job schema is the contract's own. */
export function openApiDocument(): Record<string, unknown> {
  const problem = {
    description: 'An RFC 9457 problem document',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  };
  const json = (schema: object, description = 'OK') => ({
    description,
    content: { 'application/json': { schema } },
  });
  const secured = { security: [{ bearer: [] }], responses: { 401: problem } };
  const uploadIdParameter = {
    name: 'uploadId',
    in: 'path',
    required: true,
    description: 'the uploadId POST /uploads returned for a multipart upload',
    schema: { type: 'string' },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: 'keda-transcoder control API',
      version: '1',
      description:
        'Enqueue transcoding jobs, read their status and exact stats, schedule recurring jobs, upload sources, inspect and redrive the dead-letter queue.',
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        JobMessage: jobMessageJsonSchema(),
        Problem: {
          type: 'object',
          properties: {
            type: { type: 'string' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
          required: ['title', 'status', 'detail'],
        },
        Job: {
          type: 'object',
          description:
            'A job record: status, attempts, retries, progress, result (outputs) and error; playable ({at, master}) once its first segments (a split job: its first chunk) and their audio are published and its master playlist plays while it runs',
        },
        UploadRequest: {
          type: 'object',
          required: ['filename', 'contentType', 'size'],
          properties: {
            filename: { type: 'string' },
            contentType: {
              type: 'string',
              description: 'video/*, application/mxf or application/octet-stream',
            },
            size: { type: 'integer', description: 'bytes, up to UPLOAD_MAX_BYTES' },
          },
        },
        PresignedPart: {
          type: 'object',
          properties: {
            partNumber: { type: 'integer' },
            url: {
              type: 'string',
              description: 'PUT the bytes start..end-1 here; keep the ETag header',
            },
            start: { type: 'integer' },
            end: { type: 'integer' },
            size: { type: 'integer' },
          },
        },
        Upload: {
          oneOf: [
            {
              type: 'object',
              description: 'One PUT of the whole file with these headers',
              properties: {
                kind: { const: 'single' },
                url: { type: 'string' },
                method: { const: 'PUT' },
                headers: { type: 'object' },
                input: { type: 'string', description: 'the s3:// input for POST /jobs' },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            },
            {
              type: 'object',
              description:
                'A multipart upload: PUT each part to its URL, then POST the ETags to links.complete (or DELETE links.abort)',
              properties: {
                kind: { const: 'multipart' },
                uploadId: { type: 'string' },
                input: { type: 'string' },
                size: { type: 'integer' },
                partSize: { type: 'integer' },
                partCount: { type: 'integer' },
                parts: { type: 'array', items: { $ref: '#/components/schemas/PresignedPart' } },
                links: {
                  type: 'object',
                  properties: {
                    parts: { type: 'string' },
                    complete: { type: 'string' },
                    abort: { type: 'string' },
                  },
                },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            },
          ],
        },
        Stats: {
          type: 'object',
          properties: {
            succeeded: { type: 'integer' },
            failed: { type: 'integer' },
            running: { type: 'integer' },
            retries: { type: 'integer' },
            queue: { type: 'object' },
            deadLetterQueue: { type: 'object' },
          },
        },
      },
    },
    paths: {
      '/jobs': {
        post: {
          ...secured,
          summary: 'Enqueue a job',
          parameters: [
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/JobMessage' } },
            },
          },
          responses: {
            ...secured.responses,
            202: json({ type: 'object' }, 'Accepted'),
            400: problem,
            409: problem,
            413: problem,
            422: problem,
          },
        },
        get: {
          ...secured,
          summary: 'Recent jobs, newest first',
          parameters: [
            {
              name: 'status',
              in: 'query',
              schema: { enum: ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] },
            },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: { ...secured.responses, 200: json({ type: 'object' }), 400: problem },
        },
      },
      '/jobs/{id}': {
        get: {
          ...secured,
          summary: 'One job',
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            ...secured.responses,
            200: json({ $ref: '#/components/schemas/Job' }),
            404: problem,
          },
        },
      },
      '/jobs/stats': {
        get: {
          ...secured,
          summary: 'Exact counts and queue depths',
          responses: { ...secured.responses, 200: json({ $ref: '#/components/schemas/Stats' }) },
        },
      },
      '/jobs/schedule': {
        post: {
          ...secured,
          summary: 'Schedule a recurring job (5-field cron, IANA time zone)',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { type: 'object', required: ['cron', 'job'] } },
            },
          },
          responses: {
            ...secured.responses,
            201: json({ type: 'object' }, 'Created'),
            400: problem,
            409: problem,
            501: problem,
          },
        },
      },
      '/jobs/schedules': {
        get: {
          ...secured,
          summary: 'The schedules',
          responses: { ...secured.responses, 200: json({ type: 'object' }) },
        },
      },
      '/jobs/schedules/{name}': {
        delete: {
          ...secured,
          summary: 'Remove a schedule',
          parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { ...secured.responses, 204: { description: 'Deleted' }, 404: problem },
        },
      },
      '/uploads': {
        post: {
          ...secured,
          summary:
            'Upload a source straight to S3: a presigned PUT for a file up to one part, else a presigned multipart upload',
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { $ref: '#/components/schemas/UploadRequest' } },
            },
          },
          responses: {
            ...secured.responses,
            201: json({ $ref: '#/components/schemas/Upload' }, 'Created'),
            400: problem,
          },
        },
      },
      '/uploads/{uploadId}/parts': {
        get: {
          ...secured,
          summary: 'Presigned URLs for more parts (files of many parts, or a part to send again)',
          parameters: [
            uploadIdParameter,
            { name: 'from', in: 'query', required: true, schema: { type: 'integer', minimum: 1 } },
            { name: 'count', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 100 } },
          ],
          responses: {
            ...secured.responses,
            200: json({
              type: 'object',
              properties: {
                parts: { type: 'array', items: { $ref: '#/components/schemas/PresignedPart' } },
                expiresAt: { type: 'string', format: 'date-time' },
              },
            }),
            400: problem,
            404: problem,
          },
        },
      },
      '/uploads/{uploadId}/complete': {
        post: {
          ...secured,
          summary: 'Join the parts into the source; its size is checked against the declared one',
          parameters: [uploadIdParameter],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['parts'],
                  properties: {
                    parts: {
                      type: 'array',
                      description: 'every part, in order, with the ETag its PUT returned',
                      items: {
                        type: 'object',
                        required: ['partNumber', 'etag'],
                        properties: { partNumber: { type: 'integer' }, etag: { type: 'string' } },
                      },
                    },
                  },
                },
              },
            },
          },
          responses: {
            ...secured.responses,
            200: json({
              type: 'object',
              properties: { input: { type: 'string' }, size: { type: 'integer' } },
            }),
            400: problem,
            404: problem,
            422: problem,
          },
        },
      },
      '/uploads/{uploadId}': {
        delete: {
          ...secured,
          summary: 'Abort an unfinished upload and drop its parts',
          parameters: [uploadIdParameter],
          responses: { ...secured.responses, 204: { description: 'Aborted' }, 404: problem },
        },
      },
      '/dlq': {
        get: {
          ...secured,
          summary: 'Dead letters with their reasons',
          responses: { ...secured.responses, 200: json({ type: 'object' }) },
        },
      },
      '/dlq/redrive': {
        post: {
          ...secured,
          summary: 'Move dead letters back to the queue',
          responses: { ...secured.responses, 202: json({ type: 'object' }, 'Accepted') },
        },
      },
      '/jobs/{id}/outputs/{path}': {
        get: {
          ...secured,
          summary: "One file of a job's outputs (previews; honours Range)",
          parameters: [
            { name: 'id', in: 'path', required: true, schema: { type: 'string' } },
            {
              name: 'path',
              in: 'path',
              required: true,
              description: 'relative to the output prefix, e.g. hls/master.m3u8',
              schema: { type: 'string' },
            },
            { name: 'Range', in: 'header', required: false, schema: { type: 'string' } },
          ],
          responses: {
            ...secured.responses,
            200: { description: 'The file' },
            206: { description: 'The requested range' },
            400: problem,
            404: problem,
            416: problem,
          },
        },
      },
      '/': {
        get: {
          summary: 'The jobs page with an HLS player',
          responses: { 200: { description: 'HTML' } },
        },
      },
      '/healthz': { get: { summary: 'Liveness', responses: { 200: { description: 'Alive' } } } },
      '/readyz': {
        get: {
          summary: 'Readiness: the ledger and the queue answer',
          responses: { 200: { description: 'Ready' }, 503: problem },
        },
      },
    },
  };
}
