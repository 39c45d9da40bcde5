import type { Decision, JobRecord } from './job-record.ts';

/** Passed as `known` when the caller has not read the record: the store reads it first. */
export const UNKNOWN_RECORD = Symbol.for('keda-transcoder.unknown-record');

/**
 * Where job records live, as the record's state machine needs it: read one, and apply a
 * decision with one conditional write (retried on a lost race with the fresh record). The
 * worker's and the control plane's use cases both move records through it; the DynamoDB
 * ledger implements it.
 */
export interface RecordStore {
  get(jobId: string, signal?: AbortSignal): Promise<JobRecord | undefined>;
  transition<R>(
    jobId: string,
    decide: (current: JobRecord | undefined) => Decision<R>,
    options: { known: JobRecord | undefined | typeof UNKNOWN_RECORD; signal?: AbortSignal },
  ): Promise<R>;
}
