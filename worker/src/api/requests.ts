import { z } from 'zod';
import { InvalidJobError } from '../control/jobs.ts';
import { PART_BATCH } from '../control/uploads.ts';
import { issuesToProblems } from '../contract/message.ts';

/** The API's request bodies and queries, and how a bad one is answered (400, every field). */
export const STATUSES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED'] as const;

export const ListQuery = z.strictObject({
  status: z.enum(STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(4096).optional(),
});
export const ScheduleBody = z.strictObject({
  cron: z.string().min(1).max(200),
  timezone: z.string().min(1).max(100).optional(),
  name: z.string().max(64).optional(),
  job: z.unknown(),
});
export const UploadBody = z.strictObject({
  filename: z.string().min(1).max(1024),
  contentType: z.string().min(1).max(255),
  size: z.number(),
});
export const PartsQuery = z.strictObject({
  from: z.coerce.number().int().min(1),
  count: z.coerce.number().int().min(1).max(PART_BATCH).default(PART_BATCH),
});
export const CompleteBody = z.strictObject({
  parts: z
    .array(
      z.strictObject({
        partNumber: z.number().int().min(1).max(10_000),
        etag: z.string().min(1).max(200),
      }),
    )
    .min(1)
    .max(10_000),
});
export const LimitQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const RedriveBody = z
  .strictObject({ max: z.number().int().min(1).max(100_000).default(1000) })
  .default({ max: 1000 });

/**
 * The control API. Every route but /healthz, /readyz and /openapi.json needs a bearer token.
 * A client's mistake is always a 4xx with an RFC 9457 problem document naming the field; a 5xx
 * means our side (503 for a dependency that may recover, with Retry-After).
 */
export function parse<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query'): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidJobError(
    issuesToProblems(parsed.error.issues, value).map((p) =>
      p.field === 'message' ? { ...p, field: where } : p,
    ),
  );
}
