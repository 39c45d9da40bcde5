import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { ffmpegWithoutEncoder } from '../support/media-tools.ts';

/** The codecs a message asks for, through the whole worker: published, or refused at once. */
describe('codecs through the worker', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('codecs');
  });
  afterAll(() => env.destroy());

  it('publishes the ladder in each codec asked, and the record names each rendition’s codec', async () => {
    const input = await env.putSource(
      'in/codecs.mp4',
      await makeClip({ seconds: 4, width: 426, height: 240 }),
    );
    await env.send({
      version: 1,
      jobId: 'two-codecs',
      input,
      ladder: [{ height: 240 }, { height: 144 }],
      codecs: ['av1', 'h264'],
    });
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const record = await env.record('two-codecs');
    expect(record).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    const result = record?.result as { renditions: { name: string; codec: string }[] };
    const renditions = result.renditions;
    expect(renditions.map((r) => [r.name, r.codec])).toEqual([
      ['240p', 'h264'],
      ['144p', 'h264'],
      ['240p-av1', 'av1'],
      ['144p-av1', 'av1'],
    ]);
    const keys = (await env.listOutputs('outputs/two-codecs/')).map((o) => o.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'outputs/two-codecs/mp4/240p.mp4',
        'outputs/two-codecs/mp4/240p-av1.mp4',
        'outputs/two-codecs/hls/144p-av1/playlist.m3u8',
        'outputs/two-codecs/hls/master.m3u8',
      ]),
    );
  });

  it('refuses a codec its ffmpeg lacks at once: FAILED as INVALID_MESSAGE, in the DLQ, nothing made', async () => {
    // The product's ffmpeg, as a build without libx265 would list its encoders.
    const wrapper = ffmpegWithoutEncoder('libx265');
    const input = await env.putSource(
      'in/refused.mp4',
      await makeClip({ seconds: 2, width: 256, height: 144 }),
    );
    const before = await env.stats();
    await env.send({ version: 1, jobId: 'no-hevc-here', input, codecs: ['h264', 'hevc'] });
    expect(await env.runWorker({ FFMPEG_PATH: wrapper })).toEqual({
      kind: 'handled',
      outcome: 'dead-lettered',
    });
    const record = await env.record('no-hevc-here');
    expect(record).toMatchObject({ status: 'FAILED', attempts: 1, retries: 0 });
    expect(record?.error).toMatchObject({ code: 'INVALID_MESSAGE', retryable: false });
    expect(record?.error?.message).toBe(
      "codecs: this worker's ffmpeg has no encoder for hevc (libx265); the codecs available here are h264, av1",
    );
    const dead = await env.drainDeadLetters();
    expect(dead.map((d) => d.attributes[DLQ_ATTRIBUTES.code])).toEqual(['INVALID_MESSAGE']);
    expect(await env.listOutputs('outputs/no-hevc-here/')).toEqual([]);
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    expect(after.retries).toBe(before.retries);
  });
});
