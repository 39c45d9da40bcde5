import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qualityAgainstSource } from '../../scripts/corpus/measure.ts';
import { InvalidMediaError } from '../../worker/src/base/errors.ts';
import type { WorkerDeps } from '../../worker/src/job/base/ports.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';
import { audioDigest, frameCount, keyframeTimes, probeFile } from '../support/media.ts';
import { boundTranscoder } from '../support/transcoder.ts';
import { spawnWorker } from '../support/worker-process.ts';
import {
  download,
  ffmpegUnder,
  until,
  watchDownloads,
  watchPlaylists,
  workInProcess,
  type PlaylistWrite,
} from '../support/worker-watch.ts';

/** A three-minute source; split anything over 30 s into 20 s chunks (five 4 s segments). */
const SPLIT = { SPLIT_THRESHOLD_SECONDS: '30', CHUNK_SECONDS: '20', FIRST_CHUNK_SECONDS: '0' };
const SINGLE = { SPLIT_THRESHOLD_SECONDS: '0' };
const SECONDS = 180;
const CHUNKS = 9;
const JOB = { version: 1, ladder: [{ height: 360 }, { height: 144 }], thumbnails: true } as const;

describe('a long source split across many Jobs', () => {
  let env: TestEnv;
  let input: string;
  let sourceFile: string;
  beforeAll(async () => {
    env = await createTestEnv('split', { visibilityTimeoutSeconds: 6 });
    sourceFile = await makeClip({ seconds: SECONDS, width: 640, height: 360, fps: 30000 / 1001 });
    input = await env.putSource('in/long.mp4', sourceFile);
  });
  afterAll(() => env.destroy());

  it('publishes what one Job publishes: frames, duration, keyframes, segments, quality and audio of every rung; one job, one success', async () => {
    await env.send({ ...JOB, jobId: 'one-job', input });
    expect((await workInProcess(env, 'one-job', SINGLE)).record.status).toBe('SUCCEEDED');

    await env.send({ ...JOB, jobId: 'split-job', input });
    const downloads: string[] = [];
    const writes: PlaylistWrite[] = [];
    const { record, outcomes } = await workInProcess(env, 'split-job', SPLIT, (deps) => ({
      storage: watchPlaylists(env, watchDownloads(deps.storage, downloads), writes),
    }));
    // The job's message splits it; each chunk and the audio is a Job; one Job stitches.
    expect(outcomes).toEqual([
      'split',
      ...Array<string>(CHUNKS + 1).fill('succeeded'),
      'succeeded',
    ]);
    expect(record).toMatchObject({
      status: 'SUCCEEDED',
      attempts: 2,
      retries: 0,
      progress: { stage: 'done', percent: 100 },
      result: { split: { chunks: CHUNKS, chunkSeconds: 20 } },
    });
    expect(record.history.map((h) => [h.task, h.outcome])).toEqual([
      [undefined, 'split'],
      ['assemble', 'succeeded'],
    ]);
    expect(await env.stats()).toEqual({ succeeded: 2, failed: 0, running: 0, retries: 0 });

    const one = mkdtempSync(join(tmpdir(), 'one-job-'));
    const split = mkdtempSync(join(tmpdir(), 'split-job-'));
    const oneKeys = await download(env, 'outputs/one-job/', one);
    const splitKeys = await download(env, 'outputs/split-job/', split);
    expect(splitKeys).toEqual(oneKeys);
    for (const rung of ['360p', '144p']) {
      const a = join(one, 'mp4', `${rung}.mp4`);
      const b = join(split, 'mp4', `${rung}.mp4`);
      expect(await frameCount(b), rung).toBe(await frameCount(a));
      expect(await keyframeTimes(b), rung).toEqual(await keyframeTimes(a));
      expect(await audioDigest(b), rung).toBe(await audioDigest(a));
      const playlist = (dir: string) =>
        parseMediaPlaylist(
          readFileSync(join(dir, 'hls', rung, 'playlist.m3u8'), 'utf8'),
        ).segments.map((s) => s.durationSeconds);
      expect(playlist(split), rung).toEqual(playlist(one));
      const duration = async (file: string) => Number((await probeFile(file)).format.duration);
      expect(Math.abs((await duration(b)) - (await duration(a))), rung).toBeLessThanOrEqual(
        1001 / 30000 + 0.001,
      );
      // Quality against the source: within 0.3 dB of the single Job's (Debian's ffmpeg measures).
      const video = (await probeFile(a)).streams.find((st) => st.codec_type === 'video')!;
      const size = { width: video.width!, height: video.height! };
      const psnr = async (file: string) =>
        (await qualityAgainstSource('ffmpeg', file, sourceFile, 0, size))!.psnrY;
      const [pa, pb] = await Promise.all([psnr(a), psnr(b)]);
      expect(Math.abs(pb - pa), `${rung}: ${pb} vs ${pa} dB`).toBeLessThanOrEqual(0.3);
    }
    // While it ran, its playlists grew: EVENT, from the start (EXT-X-START), each write listing
    // only segments already published and all that the write before listed, one chunk (five
    // segments) more each time the next chunk was done, the first once the audio's segments
    // covered it; the master with each. At the end, the final VOD playlists (compared above
    // with one Job's).
    expect(record.playable).toMatchObject({
      master: `${input.replace(/in\/long\.mp4$/, '')}outputs/split-job/hls/master.m3u8`,
      event: 'none',
    });
    expect(Date.parse(record.playable!.at)).toBeLessThan(Date.parse(record.finishedAt!));
    const growing = writes.filter((w) => w.cacheControl === 'public, max-age=1');
    // The master with each publication (its bit rates measured on more segments), after the
    // media playlists it names.
    expect(growing.filter((w) => w.key.endsWith('/hls/master.m3u8'))).toHaveLength(CHUNKS);
    expect(growing.at(-1)?.key).toMatch(/\/hls\/master\.m3u8$/);
    const tracks = readdirSync(join(split, 'hls')).filter((d) =>
      existsSync(join(split, 'hls', d, 'playlist.m3u8')),
    );
    expect(tracks.filter((t) => t.startsWith('audio_')).length).toBeGreaterThan(0);
    for (const track of tracks) {
      const own = growing.filter((w) => w.key === `outputs/split-job/hls/${track}/playlist.m3u8`);
      const lists = own.map((w) => parseMediaPlaylist(w.text).segments.map((s) => s.uri));
      for (const w of own) {
        expect(w.missing, track).toEqual([]);
        expect(w.text, track).toContain('#EXT-X-PLAYLIST-TYPE:EVENT\n');
        expect(w.text, track).toContain('#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n');
        expect(w.text, track).not.toContain('#EXT-X-ENDLIST');
      }
      const final = parseMediaPlaylist(
        readFileSync(join(split, 'hls', track, 'playlist.m3u8'), 'utf8'),
      );
      expect(final.ended, track).toBe(true);
      const finalUris = final.segments.map((s) => s.uri);
      if (track.startsWith('audio')) {
        // The audio is listed as far as it had published when the first chunk was, then whole.
        for (const l of lists) expect(finalUris.slice(0, l.length), track).toEqual(l);
        expect(lists.at(-1), track).toEqual(finalUris);
      } else {
        expect(
          lists.map((l) => l.length),
          track,
        ).toEqual([...Array(CHUNKS).keys()].map((i) => 5 * (i + 1)).slice(-lists.length));
        expect(lists.length, track).toBe(CHUNKS);
        for (const l of lists) expect(finalUris.slice(0, l.length), track).toEqual(l);
      }
    }
    const segment = await env.getObject('outputs/split-job/hls/360p/seg_00007.m4s');
    expect(segment.cacheControl).toBe('public, max-age=31536000, immutable');
    // The source is downloaded once, by the Job that plans the split; each chunk's Job downloads
    // only its piece of it, and the audio's Job the audio track alone, cut by the planner.
    expect(downloads.filter((key) => key === 'in/long.mp4')).toHaveLength(1);
    const pieces = downloads.filter((key) => key.includes('/pieces/'));
    expect(pieces.map((key) => key.replace(/^.*\/pieces\//, '')).sort()).toEqual(
      [...[...Array(CHUNKS).keys()].map((i) => `chunk-${i}.mov`), 'audio.mov'].sort(),
    );
    // The parts are gone; the queues are empty.
    expect(await env.listOutputs('outputs/_work/')).toEqual([]);
    expect(await env.drainDeadLetters()).toEqual([]);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  }, 600_000);

  it('survives kill -9 of a chunk worker and of the stitcher: the job ends once, each redelivery counted as one retry', async () => {
    const jobId = 'split-killed';
    await env.send({ ...JOB, jobId, input });
    const logFile = join(ROOT, '.local', 'test-logs', 'split-killed.log');
    const quick = env.env({
      ...SPLIT,
      IDLE_TIMEOUT_SECONDS: '12',
      VISIBILITY_TIMEOUT_SECONDS: '6',
    });
    const planner = spawnWorker(quick, logFile);
    await planner.exited;
    expect((await env.record(jobId))?.fanout?.dispatched).toBe(true);

    // The first chunk's message comes first, then the audio's; then the next chunk's.
    await spawnWorker(quick, logFile).exited;
    await spawnWorker(quick, logFile).exited;
    const chunkWorker = spawnWorker(quick, logFile);
    await until('a chunk in ffmpeg', () => ffmpegUnder(env.workDir, `${jobId}.chunk-`));
    chunkWorker.killGroup();
    expect((await chunkWorker.exited).signal).toBe('SIGKILL');

    let stitcherKilled = false;
    for (let i = 0; i < 30; i++) {
      const worker = spawnWorker(quick, logFile);
      if (!stitcherKilled) {
        const claimed = await Promise.race([
          worker.exited.then(() => false),
          until('the stitch to be claimed', async () => {
            const r = await env.record(jobId);
            const last = r?.history.at(-1);
            return last?.task === 'assemble' && last.outcome === undefined;
          }).then(() => true),
        ]);
        if (claimed) {
          worker.killGroup();
          stitcherKilled = true;
        }
      }
      await worker.exited;
      const r = await env.record(jobId);
      if (r?.status === 'SUCCEEDED' || r?.status === 'FAILED') break;
    }
    expect(stitcherKilled).toBe(true);
    const done = (await env.record(jobId))!;
    expect(done.status).toBe('SUCCEEDED');
    expect(done.retries).toBe(2);
    expect(done.history.map((h) => [h.task, h.outcome])).toEqual([
      [undefined, 'split'],
      ['assemble', 'lost'],
      ['assemble', 'succeeded'],
    ]);
    const totals = await env.ledgerTotals();
    expect(await env.stats()).toEqual({
      succeeded: totals.succeeded,
      failed: totals.failed,
      running: 0,
      retries: totals.retries,
    });
    expect(totals.records.find((r) => r.jobId === jobId)?.retries).toBe(2);
    expect((await env.listOutputs(`outputs/${jobId}/hls/`)).length).toBeGreaterThan(10);
    expect(await env.listOutputs('outputs/_work/')).toEqual([]);
    expect(await env.drainDeadLetters()).toEqual([]);
  }, 600_000);

  it('fails the job once when a chunk cannot pass: FAILED, its request in the DLQ, its growing playlists ended where they stood, nothing unlisted left, parts removed', async () => {
    const jobId = 'split-doomed';
    const before = await env.stats();
    await env.send({ ...JOB, jobId, input });
    // The third chunk's video cannot be encoded (as a broken stretch of a real file would).
    const breakChunk = (deps: WorkerDeps): Partial<WorkerDeps> => ({
      transcoder: {
        ...boundTranscoder(deps.transcoder),
        encodeChunk: (input) =>
          input.window.index === 2
            ? Promise.reject(new InvalidMediaError('the video cannot be decoded at 00:00:40'))
            : deps.transcoder.encodeChunk(input),
      },
    });
    const { record } = await workInProcess(env, jobId, SPLIT, breakChunk);
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatchObject({ code: 'INVALID_MEDIA', retryable: false });
    expect(record.error?.message).toBe(
      `chunk 3 of ${CHUNKS}: the video cannot be decoded at 00:00:40`,
    );
    // The tasks still on the queue find the job ended and drop their messages.
    for (let i = 0; i < 10 && (await env.depth()).visible > 0; i++) {
      expect(await env.runWorker(SPLIT, breakChunk)).toMatchObject({ kind: 'handled' });
    }
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
    expect((await env.record(jobId))?.status).toBe('FAILED');

    const dead = (await env.drainDeadLetters()).filter(
      (m) => m.attributes['transcoder.job-id'] === jobId,
    );
    expect(dead).toHaveLength(1);
    // The dead-letter copy is the job itself: redriving it runs the job again.
    expect(JSON.parse(dead[0]!.body)).toMatchObject({ version: 1, jobId, input });
    expect(dead[0]!.attributes['transcoder.error-code']).toBe('INVALID_MEDIA');
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    expect(after.succeeded - before.succeeded).toBe(0);
    expect(after.running).toBe(0);
    // The audio and the first two chunks were published (playable) before the third failed:
    // their playlists now end there (a player stops cleanly), nothing else is left.
    const failed = (await env.record(jobId))!;
    expect(failed.fanout?.published).toMatchObject({ chunks: 2, ended: 'failed' });
    expect(failed.playable?.master).toMatch(/hls\/master\.m3u8$/);
    const left = (await env.listOutputs(`outputs/${jobId}/`)).map((o) =>
      o.key.slice(`outputs/${jobId}/`.length),
    );
    for (const rung of ['360p', '144p']) {
      const text = (
        await env.getObject(`outputs/${jobId}/hls/${rung}/playlist.m3u8`)
      ).body.toString();
      const listed = parseMediaPlaylist(text);
      expect(listed.ended, rung).toBe(true);
      expect(listed.segments.map((s) => s.uri)).toEqual(
        [...Array(10).keys()].map((i) => `seg_${String(i).padStart(5, '0')}.m4s`),
      );
      expect(left.filter((k) => k.startsWith(`hls/${rung}/`)).sort()).toEqual(
        ['init.mp4', 'playlist.m3u8', ...listed.segments.map((s) => s.uri)].map(
          (k) => `hls/${rung}/${k}`,
        ),
      );
    }
    expect(left.filter((k) => !k.startsWith('hls/'))).toEqual([]);
    expect(await env.listOutputs('outputs/_work/')).toEqual([]);
  });
});
