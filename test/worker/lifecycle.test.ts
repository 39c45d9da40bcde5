import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip } from '../support/clips.ts';
import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';
import type { TranscodeInput } from '../../worker/src/transcode/inputs.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { boundTranscoder } from '../support/transcoder.ts';

function ffprobe(file: string) {
  return JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_streams', '-show_format', '-of', 'json', file], {
      encoding: 'utf8',
    }),
  ) as {
    streams: { codec_type: string; codec_name: string; width?: number; height?: number }[];
    format: { duration: string };
  };
}

describe('worker lifecycle', () => {
  let env: TestEnv;
  let source: string;

  beforeAll(async () => {
    env = await createTestEnv('lifecycle');
    source = await env.putSource(
      'in/clip.mp4',
      await makeClip({ seconds: 3, width: 426, height: 240, fps: 25 }),
    );
  });
  afterAll(() => env.destroy());

  it('takes a message, writes the ladder to S3, records SUCCEEDED, deletes the message and counts it', async () => {
    const before = await env.stats();
    await env.send({ version: 1, jobId: 'life-1', input: source, formats: ['hls', 'mp4'] });

    const outcome = await env.runWorker();
    expect(outcome).toEqual({ kind: 'handled', outcome: 'succeeded' });

    const record = await env.record('life-1');
    expect(record?.status).toBe('SUCCEEDED');
    expect(record?.attempts).toBe(1);
    expect(record?.retries).toBe(0);
    expect(record?.lease).toBeUndefined();
    const result = record?.result as {
      output: string;
      master: string;
      renditions: {
        name: string;
        width: number;
        height: number;
        mp4: { uri: string; bytes: number };
      }[];
      durationSeconds: number;
    };
    expect(result.output).toBe(`s3://${env.resources.bucket}/outputs/life-1/`);
    expect(result.renditions.map((r) => [r.name, r.width, r.height])).toEqual([
      ['240p', 426, 240],
      ['144p', 256, 144],
    ]);
    expect(result.durationSeconds).toBeCloseTo(3, 0);

    const keys = (await env.listOutputs('outputs/life-1/')).map((o) => o.key);
    expect(keys).toEqual(
      expect.arrayContaining([
        'outputs/life-1/hls/master.m3u8',
        'outputs/life-1/hls/240p/playlist.m3u8',
        'outputs/life-1/hls/240p/init.mp4',
        'outputs/life-1/hls/144p/playlist.m3u8',
        'outputs/life-1/mp4/240p.mp4',
        'outputs/life-1/mp4/144p.mp4',
        'outputs/life-1/poster.jpg',
      ]),
    );

    // The uploaded MP4 is a real 240p H.264 + AAC file of the source's length.
    const mp4 = await env.getObject('outputs/life-1/mp4/240p.mp4');
    expect(mp4.contentType).toBe('video/mp4');
    expect(mp4.body.length).toBe(result.renditions[0]!.mp4.bytes);
    const dir = mkdtempSync(join(tmpdir(), 'life-'));
    writeFileSync(join(dir, 'out.mp4'), mp4.body);
    const probe = ffprobe(join(dir, 'out.mp4'));
    expect(probe.streams.map((s) => s.codec_name).sort()).toEqual(['aac', 'h264']);
    expect(probe.streams.find((s) => s.codec_type === 'video')).toMatchObject({
      width: 426,
      height: 240,
    });
    expect(Number(probe.format.duration)).toBeCloseTo(3, 0);

    const master = await env.getObject('outputs/life-1/hls/master.m3u8');
    expect(master.contentType).toBe('application/vnd.apple.mpegurl');
    expect(master.cacheControl).toMatch(/max-age=60/);
    expect(master.body.toString()).toContain('RESOLUTION=426x240');
    const segmentKey = keys.find((k) => k.endsWith('.m4s'))!;
    const segment = await env.getObject(segmentKey);
    expect(segment.contentType).toBe('video/iso.segment');
    expect(segment.cacheControl).toMatch(/immutable/);

    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect(await env.drainDeadLetters()).toEqual([]);
    const after = await env.stats();
    expect(after.succeeded - before.succeeded).toBe(1);
    expect(after.running).toBe(before.running);
  });

  it('deletes a second delivery of a finished job without transcoding it again', async () => {
    const job = {
      version: 1,
      jobId: 'life-dup',
      input: source,
      formats: ['mp4'],
      ladder: [{ height: 144 }],
    };
    await env.send(job);
    let transcodes = 0;
    const counting = (deps: WorkerDeps) => ({
      transcoder: {
        ...boundTranscoder(deps.transcoder),
        transcode: (input: TranscodeInput) => {
          transcodes++;
          return deps.transcoder.transcode(input);
        },
      },
    });
    expect(await env.runWorker({}, counting)).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const first = await env.record('life-dup');
    const statsAfterFirst = await env.stats();
    const uploaded = await env.listOutputs('outputs/life-dup/');

    // The same job again: a producer's retry, or SQS delivering twice.
    await env.send(job);
    expect(await env.runWorker({}, counting)).toEqual({ kind: 'handled', outcome: 'duplicate' });

    expect(transcodes).toBe(1);
    expect(await env.record('life-dup')).toEqual(first);
    expect(await env.stats()).toEqual(statsAfterFirst);
    expect(await env.listOutputs('outputs/life-dup/')).toEqual(uploaded);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('keeps a job longer than the visibility timeout invisible with heartbeats, and records progress', async () => {
    const long = await env.putSource(
      'in/long.mp4',
      await makeClip({ seconds: 60, width: 640, height: 360, fps: 25 }),
    );
    await env.send({
      version: 1,
      jobId: 'life-long',
      input: long,
      formats: ['hls'],
      ladder: 'economy',
    });
    const settings = { VISIBILITY_TIMEOUT_SECONDS: '3', HEARTBEAT_SECONDS: '1' };
    const started = Date.now();
    const run = env.runWorker(settings);

    // Sample the queue and the record while the job runs, past the 3 s visibility timeout.
    const samples: {
      atMs: number;
      visible: number;
      inFlight: number;
      percent?: number;
      stage?: string;
      rungs?: readonly string[];
      lease?: number;
    }[] = [];
    for (;;) {
      await new Promise((r) => setTimeout(r, 400));
      const record = await env.record('life-long');
      if (record?.status !== 'RUNNING') break;
      const depth = await env.depth();
      samples.push({
        atMs: Date.now() - started,
        ...depth,
        percent: record.progress?.percent,
        stage: record.progress?.stage,
        rungs: record.progress?.rungs,
        lease: record.lease?.expiresAt,
      });
    }
    expect(await run).toEqual({ kind: 'handled', outcome: 'succeeded' });

    const late = samples.filter((s) => s.atMs > 4000);
    expect(
      late.length,
      'the job must outlive the visibility timeout for this test to mean anything',
    ).toBeGreaterThanOrEqual(2);
    expect(samples.every((s) => s.visible === 0 && s.inFlight === 1)).toBe(true);
    expect(late.some((s) => (s.percent ?? 0) > 0)).toBe(true);
    // The record says what is being made: the economy ladder's rungs at or below 360p.
    expect(late.find((s) => s.stage === 'transcoding')?.rungs).toEqual(['360p', '240p', '144p']);
    expect(late.at(-1)!.lease!).toBeGreaterThan(samples[0]!.lease!);
    expect((await env.record('life-long'))?.attempts).toBe(1);
  });

  it('exits idle when no message arrives within the idle window', async () => {
    const started = Date.now();
    expect(await env.runWorker({ IDLE_TIMEOUT_SECONDS: '1' })).toEqual({ kind: 'idle' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });
});
