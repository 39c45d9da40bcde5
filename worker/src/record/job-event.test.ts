import { describe, expect, it } from 'vitest';
import type { JobRecord } from './job-record.ts';
import { buildJobEvent, buildPlayableEvent, signWebhook } from './job-event.ts';

const finished: JobRecord = {
  jobId: 'launch-42',
  status: 'SUCCEEDED',
  version: 7,
  createdAt: '2026-12-02T10:00:00.000Z',
  updatedAt: '2026-12-02T10:03:00.000Z',
  finishedAt: '2026-12-02T10:03:00.000Z',
  attempts: 2,
  retries: 1,
  input: 's3://media/uploads/launch.mov',
  output: 's3://media/renditions/launch-42/',
  request: { version: 1 },
  result: { master: 's3://media/renditions/launch-42/hls/master.m3u8' },
  history: [],
};

describe('the job event, version 1', () => {
  it('wraps a finished job in a CloudEvents envelope, its id stable for the outcome', () => {
    expect(buildJobEvent(finished, 'com.example.media')).toEqual({
      specversion: '1.0',
      id: 'launch-42.SUCCEEDED.2',
      source: 'com.example.media',
      type: 'keda-transcoder.job.succeeded',
      subject: 'launch-42',
      time: '2026-12-02T10:03:00.000Z',
      datacontenttype: 'application/json',
      data: {
        version: 1,
        jobId: 'launch-42',
        status: 'SUCCEEDED',
        input: 's3://media/uploads/launch.mov',
        output: 's3://media/renditions/launch-42/',
        attempts: 2,
        retries: 1,
        createdAt: '2026-12-02T10:00:00.000Z',
        finishedAt: '2026-12-02T10:03:00.000Z',
        result: { master: 's3://media/renditions/launch-42/hls/master.m3u8' },
      },
    });
  });

  it('carries the error code and reason of a failed job, and no result', () => {
    const failed: JobRecord = {
      ...finished,
      status: 'FAILED',
      result: undefined,
      error: {
        code: 'ENCRYPTED_MEDIA',
        message: 'the source is encrypted (DRM)',
        retryable: false,
        attempt: 2,
        at: 'x',
      },
    };
    const event = buildJobEvent(failed, 'keda-transcoder');
    expect(event).toMatchObject({ id: 'launch-42.FAILED.2', type: 'keda-transcoder.job.failed' });
    expect(event.data.error).toEqual({
      code: 'ENCRYPTED_MEDIA',
      message: 'the source is encrypted (DRM)',
      retryable: false,
    });
    expect(event.data).not.toHaveProperty('result');
  });

  it('refuses a job that has not finished', () => {
    expect(() => buildJobEvent({ ...finished, status: 'RUNNING' }, 'x')).toThrow(/not finished/);
  });
});

describe('signWebhook', () => {
  it('reproduces the Standard Webhooks test vector, so receivers can use a stock library', () => {
    expect(
      signWebhook(
        'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
        'msg_p5jXN8AQM9LWM0D4loKWxJek',
        1614265330,
        '{"test": 2432232314}',
      ),
    ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('signs with a plain secret as its UTF-8 bytes, and any change breaks the signature', () => {
    const a = signWebhook('a plain secret of 24 chars', 'id', 1, '{}');
    expect(a).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(signWebhook('a plain secret of 24 chars', 'id', 2, '{}')).not.toBe(a);
    expect(signWebhook('a plain secret of 24 chars', 'id', 1, '{ }')).not.toBe(a);
  });
});

describe('the PLAYABLE event', () => {
  const playable = {
    at: '2026-12-02T10:00:09.000Z',
    master: 's3://media/renditions/launch-42/hls/master.m3u8',
    event: 'pending',
  } as const;
  const running: JobRecord = { ...finished, status: 'RUNNING', playable };

  it("names the attempt that published a single Job's, and the plan of a split one", () => {
    const single = buildPlayableEvent(running, 'com.example.media');
    expect(single).toMatchObject({
      id: 'launch-42.PLAYABLE.2',
      type: 'keda-transcoder.job.playable',
      time: playable.at,
      data: { status: 'RUNNING', playable: { at: playable.at, master: playable.master } },
    });
    const split = buildPlayableEvent(
      {
        ...running,
        fanout: {
          id: 1,
          work: 's3://media/_work/launch-42/f1/',
          chunks: 2,
          tasks: [],
          done: [],
          receives: {},
          dispatched: true,
        },
      },
      'com.example.media',
    );
    expect(split.id).toBe('launch-42.PLAYABLE.1');
    expect(() => buildPlayableEvent(finished, 'com.example.media')).toThrow(/not playable/);
  });
});
