/**
 * The parts of a job record that only a split job has (record/fanout.ts, record/publication.ts).
 */

/**
 * A split job's tasks (record/fanout.ts). `id` is the attempt that planned it: task messages
 * name it, and one of an older plan is dropped.
 */
export interface Fanout {
  readonly id: number;
  /** The S3 prefix of the parts (`s3://bucket/_work/<jobId>/f<id>/`), removed at the end. */
  readonly work: string;
  readonly chunks: number;
  /** Every task that must be done before the stitch: `chunk-0` ... and `audio`. */
  readonly tasks: readonly string[];
  readonly done: readonly string[];
  /** The highest SQS receive count each task's message was seen with (its retries). */
  readonly receives: Readonly<Record<string, number>>;
  /** The task messages are on the queue, the job's first message is done with. */
  readonly dispatched: boolean;
  /** What of the outputs is published while the tasks run (record/publication.ts). */
  readonly published?: Publication;
}

/**
 * The growing playlists of a split job: how many chunks, from the first, they list; who is
 * writing them (one writer at a time, so that they only ever grow); and, once the job has ended,
 * that no EVENT playlist may be written again.
 */
export interface Publication {
  readonly chunks: number;
  /**
   * While the audio is still encoding: how many chunks, from the first, its published segments
   * cover (its task records it as they go up); the playlists list no chunk past them.
   */
  readonly audioChunks?: number;
  readonly lock?: { readonly owner: string; readonly expiresAt: number };
  readonly ended?: 'succeeded' | 'failed';
}

/**
 * The milestone of a job whose first segments (a split job's first chunks) and audio are
 * published: the master playlist's URI, when, and whether its event
 * (`keda-transcoder.job.playable`) went out.
 */
export interface Playable {
  readonly at: string;
  readonly master: string;
  readonly event: 'pending' | 'done' | 'none';
}
