import { describe, expect, it } from 'vitest';
import { decideDispatched, decidePlanned, decideTaskDone } from './fanout.ts';
import { decideClaim, type Decision, type JobRecord } from './job-record.ts';
import {
  decideAudioPublished,
  decideEndPublication,
  decideLivePlayable,
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
  it('list the chunks done from the first on, and no further than the audio has published', () => {
    const r = splitJob();
    expect(publishableChunks(done(r, 'chunk-0', 'chunk-1').fanout!)).toBe(0);
    expect(publishableChunks(done(r, 'audio', 'chunk-1').fanout!)).toBe(0);
    expect(publishableChunks(done(r, 'audio', 'chunk-0', 'chunk-2').fanout!)).toBe(1);
    expect(publishableChunks(done(r, 'audio', 'chunk-0', 'chunk-1', 'chunk-2').fanout!)).toBe(3);
    expect(claim(done(r, 'chunk-0'), 'a')).toEqual({ result: { kind: 'nothing' } });
  });

  it("list the chunks the audio's published segments cover while it encodes; the count only grows, and stops with the job", () => {
    const r = done(splitJob(), 'chunk-0', 'chunk-1');
    const audio = (rec: JobRecord, chunks: number) =>
      decideAudioPublished(rec, { fanoutId: 1, now: T0 + 15, chunks });
    const one = written(audio(r, 1));
    expect(audio(r, 1).result).toMatchObject({ kind: 'recorded', more: true });
    expect(publishableChunks(one.fanout!)).toBe(1);
    expect(claim(one, 'a').result).toMatchObject({ kind: 'claimed', chunks: 1 });
    // Less than recorded: nothing written.
    expect(audio(one, 0)).toEqual({ result: { kind: 'recorded', record: one, more: false } });
    // Covering more than is done lists what is done; the audio done lists every chunk done.
    expect(publishableChunks(written(audio(one, 3)).fanout!)).toBe(2);
    expect(publishableChunks(done(one, 'audio', 'chunk-2').fanout!)).toBe(3);
    expect(audio(written(audio(one, 3)), 3).result).toMatchObject({ more: false });
    // The job ended (or another plan): the audio publishes nothing more.
    expect(audio({ ...one, status: 'FAILED' }, 2)).toEqual({ result: { kind: 'ended' } });
    const ended = written(
      decideEndPublication(one, { fanoutId: 1, owner: 's', now: T0 + 25, ended: 'failed' }),
    );
    expect(audio(ended, 2)).toEqual({ result: { kind: 'ended' } });
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

describe("a single Job's growing playlists", () => {
  const claimed = (workerId = 'a') =>
    written(
      decideClaim(undefined, {
        jobId: 'one',
        messageId: 'm1',
        receiveCount: 1,
        workerId,
        now: T0,
        leaseMs: 60_000,
        input: 's3://b/in.mp4',
        output: 's3://b/out/one/',
        request: { version: 1 },
      }),
    );
  const live = (r: JobRecord | undefined, owner: string, notify = true) =>
    decideLivePlayable(r, { owner, now: T0 + 5, master: MASTER, notify });

  it('make the attempt that holds the lease PLAYABLE once; a retry starts without it', () => {
    const r = claimed();
    const playable = written(live(r, 'a'));
    expect(playable.playable).toEqual({
      at: new Date(T0 + 5).toISOString(),
      master: MASTER,
      event: 'pending',
    });
    expect(live(r, 'a').result).toMatchObject({ kind: 'released', playable: true });
    expect(written(live(r, 'a', false)).playable?.event).toBe('none');
    // Once; and never for a worker whose lease it is not, or a job that is not running.
    expect(live(playable, 'a')).toEqual({ result: { kind: 'lost' } });
    expect(live(r, 'b')).toEqual({ result: { kind: 'lost' } });
    expect(live({ ...r, status: 'FAILED' }, 'a')).toEqual({ result: { kind: 'lost' } });
    expect(live(undefined, 'a')).toEqual({ result: { kind: 'lost' } });
    // The stats count it nowhere: the version moves, the status stays RUNNING.
    expect(playable.status).toBe('RUNNING');
    // A retry's claim (the lease expired) starts without the milestone.
    const retry = written(
      decideClaim(playable, {
        jobId: 'one',
        messageId: 'm1',
        receiveCount: 2,
        workerId: 'b',
        now: T0 + 120_000,
        leaseMs: 60_000,
        input: 's3://b/in.mp4',
        output: 's3://b/out/one/',
        request: { version: 1 },
      }),
    );
    expect(retry.playable).toBeUndefined();
    expect(live(retry, 'b').result).toMatchObject({ kind: 'released', playable: true });
  });
});
