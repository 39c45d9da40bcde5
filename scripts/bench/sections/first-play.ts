/**
 * Time to first play of a split job, simulated from measured parts (pure). The planner sends
 * each task as it cuts its piece (job/split.ts): the first chunk's, the audio's, then each next
 * chunk's, at `planner.chunks[k]` and `planner.audio`; each leaves the queue in that order for
 * the pod free soonest. The audio publishes its segments as it encodes (job/publish-live.ts):
 * `firstSeconds` after it starts, then at its pace, until it is done. Chunk k is listed in the
 * growing playlists once it and every chunk before it are done and the audio's segments reach
 * its end (job/publish.ts): the job is playable when the first chunk is listed. A viewer who
 * starts then and plays at 1x stalls wherever the next chunk is listed later than the playhead
 * reaches it.
 */

export interface PlannedChunk {
  readonly startSeconds: number;
  readonly lengthSeconds: number;
  /** What its Job takes, wall seconds. */
  readonly wallSeconds: number;
}

export interface FirstPlay {
  /** From the message to the first chunk listed (PLAYABLE). */
  readonly firstPlaySeconds: number;
  /** From the message to the last chunk listed (the stitch not counted). */
  readonly allListedSeconds: number;
  /** What a viewer who starts at PLAYABLE waits, in all, at chunks not yet listed. */
  readonly stallSeconds: number;
  /** The earliest start (from the message) from which a viewer never waits. */
  readonly noStallStartSeconds: number;
}

export interface AudioRun {
  /** The whole audio's Job, wall seconds. */
  readonly wallSeconds: number;
  /** From its start to its first segments listed. */
  readonly firstSeconds: number;
  /** Wall seconds per source second once it runs. */
  readonly pace: number;
}

export function firstPlay(p: {
  /** When each task is on the queue, seconds after the job's message. */
  readonly planner: { readonly audio: number; readonly chunks: readonly number[] };
  readonly audio: AudioRun;
  readonly chunks: readonly PlannedChunk[];
  readonly pods: number;
}): FirstPlay {
  const pods = Array.from({ length: Math.max(1, p.pods) }, () => 0);
  const run = (ready: number, wall: number) => {
    const i = pods.indexOf(Math.min(...pods));
    const start = Math.max(pods[i]!, ready);
    pods[i] = start + wall;
    return { start, end: start + wall };
  };
  const [first, ...rest] = p.chunks;
  const done: number[] = [];
  if (first) done.push(run(p.planner.chunks[0]!, first.wallSeconds).end);
  const audio = run(p.planner.audio, p.audio.wallSeconds);
  rest.forEach((c, i) => done.push(run(p.planner.chunks[i + 1]!, c.wallSeconds).end));
  const audioReaches = (seconds: number) =>
    audio.start + Math.min(p.audio.wallSeconds, p.audio.firstSeconds + seconds * p.audio.pace);
  let listed = 0;
  const listedAt = p.chunks.map((c, k) => {
    listed = Math.max(listed, done[k]!, audioReaches(c.startSeconds + c.lengthSeconds));
    return listed;
  });
  const firstAt = listedAt[0] ?? audio.end;
  let stall = 0;
  let noStall = firstAt;
  p.chunks.forEach((c, k) => {
    const reached = firstAt + c.startSeconds + stall;
    if (listedAt[k]! > reached) stall += listedAt[k]! - reached;
    noStall = Math.max(noStall, listedAt[k]! - c.startSeconds);
  });
  return {
    firstPlaySeconds: firstAt,
    allListedSeconds: listedAt.at(-1) ?? firstAt,
    stallSeconds: stall,
    noStallStartSeconds: noStall,
  };
}
