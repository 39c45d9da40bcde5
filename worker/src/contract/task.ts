import { z } from 'zod';
import { JOB_ID_PATTERN } from './message.ts';
import type { Parsed } from './s3-uri.ts';

/**
 * The messages a worker sends to the queue itself when it splits a long source across many
 * Jobs: one per chunk, one for the audio, and one to stitch the parts once all are done. They
 * name the job and the split (`fanout`: the attempt that planned it) and nothing else: the plan,
 * the request and the source are in the job's record and its work prefix. Nobody has to write
 * one; a forged or stale one is dropped when it does not match the record.
 */
export interface TaskMessage {
  readonly kind: typeof TASK_KIND;
  readonly version: 1;
  readonly jobId: string;
  readonly fanout: number;
  readonly task: TaskSpec;
}

export type TaskSpec =
  | { readonly type: 'chunk'; readonly index: number }
  | { readonly type: 'audio' }
  | { readonly type: 'assemble' };

export const TASK_KIND = 'keda-transcoder.task';

const TaskSchema = z.strictObject({
  kind: z.literal(TASK_KIND),
  version: z.literal(1),
  jobId: z.string().regex(JOB_ID_PATTERN),
  fanout: z.int().min(1),
  task: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('chunk'), index: z.int().min(0).max(9999) }),
    z.strictObject({ type: z.literal('audio') }),
    z.strictObject({ type: z.literal('assemble') }),
  ]),
});

/**
 * A task message, an error for a body that says it is one but is malformed, or undefined for
 * any other body (a job message, or something to reject as one).
 */
export function parseTaskMessage(body: string): Parsed<TaskMessage> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof json !== 'object' || json === null || (json as { kind?: unknown }).kind !== TASK_KIND)
    return undefined;
  const parsed = TaskSchema.safeParse(json);
  if (!parsed.success) {
    return {
      ok: false,
      error: `invalid task message: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'message'}: ${i.message}`).join('; ')}`,
    };
  }
  return { ok: true, value: parsed.data };
}

export function taskBody(jobId: string, fanout: number, task: TaskSpec): string {
  const message: TaskMessage = { kind: TASK_KIND, version: 1, jobId, fanout, task };
  return JSON.stringify(message);
}

/** `chunk-3`, `audio`, `assemble`: how the record names a task. */
export function taskName(task: TaskSpec): string {
  return task.type === 'chunk' ? `chunk-${task.index}` : task.type;
}
