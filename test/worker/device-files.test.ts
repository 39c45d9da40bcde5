import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { matroskaWithSubtitles } from '../support/caption-clips.ts';
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

  it('records the subtitle tracks it published and the loudness it normalized to, and uploads them', async () => {
    const input = await env.putSource('in/subs.mkv', await matroskaWithSubtitles());
    await env.send({
      version: 1,
      jobId: 'subs',
      input,
      ladder: [{ height: 144 }],
      loudness: { targetLufs: -16 },
    });

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const record = await env.record('subs');
    expect(record?.result).toMatchObject({
      subtitles: [
        {
          id: 's0',
          name: 'English (SDH)',
          language: 'en',
          kind: 'subtitles',
          from: '#2 subrip',
          cues: 2,
          vtt: `s3://${env.resources.bucket}/outputs/subs/subtitles/s0.vtt`,
          hls: `s3://${env.resources.bucket}/outputs/subs/hls/subtitles/s0.m3u8`,
        },
        { id: 's1', language: 'fr', from: '#3 ass', cues: 1 },
      ],
      tracks: { video: '#0 h264 320x240', audio: '#1 aac, 1 ch' },
      // The message's target, the default true-peak ceiling, and the source as measured.
      loudness: { targetLufs: -16, truePeakDb: -1.5, sourceLufs: expect.any(Number) as number },
    });
    const vtt = await env.getObject('outputs/subs/subtitles/s0.vtt');
    expect(vtt.contentType).toBe('text/vtt');
    expect(vtt.body.toString()).toContain('Hello from the English track');
    const master = await env.getObject('outputs/subs/hls/master.m3u8');
    expect(master.body.toString()).toContain('TYPE=SUBTITLES');
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
