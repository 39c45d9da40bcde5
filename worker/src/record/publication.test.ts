import { describe, expect, it } from 'vitest';
import { decideDispatched, decidePlanned, decideTaskDone } from './fanout.ts';
import { decideClaim, type Decision, type JobRecord } from './job-record.ts';
import {
  decideEndPublication,
  decidePlayableNotified,
  decidePublishClaim,
  decidePublished,
  publishableChunks,
} from './publication.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const LOCK = 30_000;
const MASTER = 's3://b/out/job/hls/master.m3u8';

function written<R>(d: Decision<R>): JobRecord {
  if (!d.write) throw new Error(`expected a write, got ${JSON.stringify(d.result)}`);
  return d.write;
}

function splitJob(): JobRecord {
  const claimed = written(
    decideClaim(undefined, {
      jobId: 'job',
      messageId: 'm1',
      receiveCount: 1,
      workerId: 'a',
      now: T0,
      leaseMs: 60_000,
      input: 's3://b/in.mp4',
      output: 's3://b/out/job/',
      request: { version: 1 },
    }),
  );
  const planned = written(
    decidePlanned(claimed, {
      workerId: 'a',
      now: T0 + 1,
      fanout: {
        id: 1,
        work: 's3://b/out/_work/job/f1/',
        chunks: 3,
        tasks: ['audio', 'chunk-0', 'chunk-1', 'chunk-2'],
      },
    }),
  );
  return written(decideDispatched(planned, { workerId: 'a', now: T0 + 2 }));
}

const done = (r: JobRecord, ...tasks: string[]) =>
  tasks.reduce(
    (rec, task) =>
      written(decideTaskDone(rec, { fanoutId: 1, task, receiveCount: 1, now: T0 + 10 })),
    r,
  );
const claim = (r: JobRecord, owner: string, now = T0 + 20) =>
  decidePublishClaim(r, { fanoutId: 1, owner, now, lockMs: LOCK });
const release = (r: JobRecord, owner: string, chunks: number, notify = true) =>
  decidePublished(r, { fanoutId: 1, owner, now: T0 + 30, chunks, master: MASTER, notify });

describe("a split job's growing playlists", () => {
  it('list the chunks done from the first on, and only once the audio is done', () => {
    const r = splitJob();
    expect(publishableChunks(done(r, 'chunk-0', 'chunk-1').fanout!)).toBe(0);
    expect(publishableChunks(done(r, 'audio', 'chunk-1').fanout!)).toBe(0);
    expect(publishableChunks(done(r, 'audio', 'chunk-0', 'chunk-2').fanout!)).toBe(1);
    expect(publishableChunks(done(r, 'audio', 'chunk-0', 'chunk-1', 'chunk-2').fanout!)).toBe(3);
    expect(claim(done(r, 'chunk-0'), 'a')).toEqual({ result: { kind: 'nothing' } });
  });

  it('are written by one worker at a time: a claim holds them, another is told busy, and the first release makes the job PLAYABLE once', () => {
    let r = done(splitJob(), 'audio', 'chunk-0');
    const first = claim(r, 'a');
    expect(first.result).toMatchObject({ kind: 'claimed', chunks: 1 });
    r = written(first);
    expect(r.fanout?.published?.lock).toEqual({ owner: 'a', expiresAt: T0 + 20 + LOCK });
    r = done(r, 'chunk-1');
    expect(claim(r, 'b').result).toEqual({ kind: 'busy' });
    // An expired lock is anyone's.
    expect(claim(r, 'b', T0 + 20 + LOCK + 1).result.kind).toBe('claimed');

    const released = release(r, 'a', 1);
    expect(released.result).toMatchObject({ kind: 'released', playable: true });
    r = written(released);
    expect(r.fanout?.published).toEqual({ chunks: 1 });
    expect(r.playable).toEqual({
      at: new Date(T0 + 30).toISOString(),
      master: MASTER,
      event: 'pending',
    });
    // The holder claims again and finds the chunk done meanwhile; the second release is no milestone.
    const again = claim(r, 'a');
    expect(again.result).toMatchObject({ kind: 'claimed', chunks: 2 });
    const second = release(written(again), 'a', 2);
    expect(second.result).toMatchObject({ kind: 'released', playable: false });
    expect(written(second).fanout?.published).toEqual({ chunks: 2 });
    expect(claim(written(second), 'a').result).toEqual({ kind: 'nothing' });
    // Nothing ever shrinks, and a release by someone who lost the lock changes nothing.
    expect(release(written(again), 'b', 1).result).toEqual({ kind: 'lost' });
    expect(written(decidePlayableNotified(written(second), { now: T0 + 40 })).playable?.event).toBe(
      'done',
    );
  });

  it('end with the job: its end waits out a writer, then no claim is granted', () => {
    let r = written(claim(done(splitJob(), 'audio', 'chunk-0'), 'a'));
    const end = (rec: JobRecord, now = T0 + 25) =>
      decideEndPublication(rec, { fanoutId: 1, owner: 's', now, ended: 'succeeded' });
    expect(end(r).result).toEqual({ kind: 'busy', retryAt: T0 + 20 + LOCK });
    r = written(release(r, 'a', 1));
    const ended = end(r);
    expect(ended.result).toMatchObject({ kind: 'ended', chunks: 1 });
    r = written(ended);
    expect(r.fanout?.published).toEqual({ chunks: 1, ended: 'succeeded' });
    expect(claim(done(r, 'chunk-1'), 'a').result).toEqual({ kind: 'nothing' });
    // Asked again (a redelivered stitch): already ended, nothing written.
    expect(end(r)).toEqual({ result: { kind: 'ended', record: r, chunks: 1 } });
  });

  it('let go of the lock when the job failed while it was held, and record nothing else', () => {
    let r = written(claim(done(splitJob(), 'audio', 'chunk-0'), 'a'));
    r = { ...r, status: 'FAILED' };
    const released = release(r, 'a', 1);
    expect(released.result).toEqual({ kind: 'lost' });
    expect(written(released).fanout?.published).toEqual({ chunks: 0 });
    expect(written(released).playable).toBeUndefined();
  });
});
