import { createHmac } from 'node:crypto';
import { eventIdOf, type JobRecord } from './job-record.ts';

/**
 * The event a job's terminal state publishes, version 1: a CloudEvents 1.0 envelope (JSON,
 * structured mode) around the job's record as a client sees it. Documented in the README
 * ("Job events"); keep the two in step. Receivers deduplicate on `id`: the same terminal state
 * of the same attempt always has the same id, and delivery is at least once.
 */
export interface JobEvent {
  readonly specversion: '1.0';
  /** `<jobId>.<status>.<attempt>`: stable across redeliveries of the same outcome. */
  readonly id: string;
  /** The deployment, e.g. `keda-transcoder` (EVENTS_SOURCE). */
  readonly source: string;
  readonly type:
    'keda-transcoder.job.succeeded' | 'keda-transcoder.job.failed' | 'keda-transcoder.job.playable';
  /** The jobId. */
  readonly subject: string;
  readonly time: string;
  readonly datacontenttype: 'application/json';
  readonly data: JobEventData;
}

export interface JobEventData {
  readonly version: 1;
  readonly jobId: string;
  /** RUNNING only in a PLAYABLE event: the job goes on. */
  readonly status: 'SUCCEEDED' | 'FAILED' | 'RUNNING';
  readonly input?: string;
  readonly output?: string;
  readonly attempts: number;
  readonly retries: number;
  readonly createdAt: string;
  readonly finishedAt?: string;
  /** SUCCEEDED: outputs (master playlist, poster, renditions with URIs, sizes, bitrates). */
  readonly result?: unknown;
  /** FAILED: the error code, the reason, and whether a retry could have helped. */
  readonly error?: { readonly code: string; readonly message: string; readonly retryable: boolean };
  /** PLAYABLE: since when, and the master playlist to play (it grows until the job ends). */
  readonly playable?: { readonly at: string; readonly master: string };
}

export const JOB_EVENT_DETAIL_TYPE = 'Transcode Job State Change';

export function buildJobEvent(record: JobRecord, source: string): JobEvent {
  if (record.status !== 'SUCCEEDED' && record.status !== 'FAILED') {
    throw new Error(`job ${record.jobId} is ${record.status}, not finished`);
  }
  const data: JobEventData = {
    version: 1,
    jobId: record.jobId,
    status: record.status,
    ...(record.input ? { input: record.input } : {}),
    ...(record.output ? { output: record.output } : {}),
    attempts: record.attempts,
    retries: record.retries,
    createdAt: record.createdAt,
    ...(record.finishedAt ? { finishedAt: record.finishedAt } : {}),
    ...(record.status === 'SUCCEEDED' && record.result !== undefined
      ? { result: record.result }
      : {}),
    ...(record.status === 'FAILED' && record.error
      ? {
          error: {
            code: record.error.code,
            message: record.error.message,
            retryable: record.error.retryable,
          },
        }
      : {}),
  };
  return {
    specversion: '1.0',
    id: eventIdOf(record),
    source,
    type:
      record.status === 'SUCCEEDED'
        ? 'keda-transcoder.job.succeeded'
        : 'keda-transcoder.job.failed',
    subject: record.jobId,
    time: record.finishedAt ?? record.updatedAt,
    datacontenttype: 'application/json',
    data,
  };
}

/**
 * The event of a job's PLAYABLE milestone (record/publication.ts): its first segments (a split
 * job's first chunks) and audio are published, and its master playlist plays while the rest is
 * transcoded. One per run of the job: the id names the attempt that publishes (a single Job's)
 * or planned (a split job's): `<jobId>.PLAYABLE.<attempt>`.
 */
export function buildPlayableEvent(record: JobRecord, source: string): JobEvent {
  const playable = record.playable;
  if (!playable) throw new Error(`job ${record.jobId} is not playable`);
  return {
    specversion: '1.0',
    id: `${record.jobId}.PLAYABLE.${record.fanout?.id ?? record.attempts}`,
    source,
    type: 'keda-transcoder.job.playable',
    subject: record.jobId,
    time: playable.at,
    datacontenttype: 'application/json',
    data: {
      version: 1,
      jobId: record.jobId,
      status: 'RUNNING',
      ...(record.input ? { input: record.input } : {}),
      ...(record.output ? { output: record.output } : {}),
      attempts: record.attempts,
      retries: record.retries,
      createdAt: record.createdAt,
      playable: { at: playable.at, master: playable.master },
    },
  };
}

/**
 * The signature of a webhook delivery, as Standard Webhooks (standardwebhooks.com) define it:
 * `v1,` + base64(HMAC-SHA256(key, `<id>.<timestamp>.<body>`)). A secret written `whsec_<base64>`
 * is that key's bytes; any other secret is used as UTF-8.
 */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = secret.startsWith('whsec_')
    ? Buffer.from(secret.slice('whsec_'.length), 'base64')
    : Buffer.from(secret, 'utf8');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}
