import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { cencEncrypted, undecodableAudio } from '../support/device-clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

/**
 * Device files through the whole worker: what the engine decides about a source reaches the job
 * record, the dead-letter queue and the stats, once.
 */
describe('device files through the worker', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await createTestEnv('device-files');
  });
  afterAll(() => env.destroy());

  it('records an encrypted source FAILED as ENCRYPTED_MEDIA and dead-letters it at once', async () => {
    const input = await env.putSource('in/cenc.mp4', await cencEncrypted());
    const before = await env.stats();
    await env.send({ version: 1, jobId: 'encrypted', input, ladder: [{ height: 144 }] });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const record = await env.record('encrypted');
    expect(record).toMatchObject({ status: 'FAILED', attempts: 1, retries: 0 });
    expect(record?.error).toMatchObject({ code: 'ENCRYPTED_MEDIA', retryable: false });
    expect(record?.error?.message).toMatch(/encrypted \(DRM\)/);
    const dead = await env.drainDeadLetters();
    expect(dead).toHaveLength(1);
    expect(dead[0]!.attributes[DLQ_ATTRIBUTES.code]).toBe('ENCRYPTED_MEDIA');
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    expect(after.retries).toBe(before.retries);
  });

  it('publishes a source whose audio cannot be decoded without audio, and says so in the record', async () => {
    const input = await env.putSource('in/fpcm.mp4', await undecodableAudio());
    await env.send({
      version: 1,
      jobId: 'fpcm',
      input,
      ladder: [{ height: 144 }],
      formats: ['mp4'],
    });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const record = await env.record('fpcm');
    expect(record?.status).toBe('SUCCEEDED');
    expect(record?.result).toMatchObject({
      source: { audio: false },
      warnings: ['the audio codec "fpcm" cannot be decoded; the outputs have no audio'],
    });
    const result = record?.result as { renditions: { codecs: string }[] } | undefined;
    expect(result?.renditions[0]?.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
  });

  it('fails the same source at once when the message requires audio', async () => {
    const input = await env.putSource('in/fpcm-required.mp4', await undecodableAudio());
    await env.send({ version: 1, jobId: 'fpcm-required', input, audio: 'required' });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
    const record = await env.record('fpcm-required');
    expect(record?.error).toMatchObject({ code: 'INVALID_MEDIA', retryable: false });
    expect(record?.error?.message).toBe(
      'the audio codec "fpcm" cannot be decoded, and the job requires audio',
    );
    expect(await env.drainDeadLetters()).toHaveLength(1);
  });
});
