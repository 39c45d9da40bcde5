/**
 * Time to first play of a split job, simulated from measured parts (pure). The planner runs,
 * then the tasks leave the queue in the order the job sends them (the audio, then the chunks
 * in order), each to the pod free soonest. Chunk k is listed in the growing playlists once it
 * and every chunk before it, and the audio, are done (job/publish.ts): the job is playable when
 * the first chunk is listed. A viewer who starts then and plays at 1x stalls wherever the next
 * chunk is listed later than the playhead reaches it.
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

export function firstPlay(p: {
  readonly plannerSeconds: number;
  readonly audioSeconds: number;
  readonly chunks: readonly PlannedChunk[];
  readonly pods: number;
}): FirstPlay {
  const pods = Array.from({ length: Math.max(1, p.pods) }, () => 0);
  const run = (wall: number) => {
    const i = pods.indexOf(Math.min(...pods));
    pods[i]! += wall;
    return pods[i]!;
  };
  const audioDone = run(p.audioSeconds);
  let listed = audioDone;
  const listedAt = p.chunks.map((c) => {
    listed = Math.max(listed, run(c.wallSeconds));
    return p.plannerSeconds + listed;
  });
  const first = listedAt[0] ?? p.plannerSeconds + audioDone;
  let stall = 0;
  let noStall = first;
  p.chunks.forEach((c, k) => {
    const reached = first + c.startSeconds + stall;
    if (listedAt[k]! > reached) stall += listedAt[k]! - reached;
    noStall = Math.max(noStall, listedAt[k]! - c.startSeconds);
  });
  return {
    firstPlaySeconds: first,
    allListedSeconds: listedAt.at(-1) ?? first,
    stallSeconds: stall,
    noStallStartSeconds: noStall,
  };
}
