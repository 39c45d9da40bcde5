import { truncateSync, statSync, copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransientError } from '../../worker/src/base/errors.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { boundTranscoder } from '../support/transcoder.ts';
import {
  ffmpegUnder,
  watchPlaylists,
  watchUploads,
  workInProcess,
  type PlaylistWrite,
} from '../support/worker-watch.ts';

/** Two minutes, two rungs: thirty 4 s segments a rung, written over several seconds. */
const SECONDS = 120;
const SEGMENTS = SECONDS / 4;
const JOB = { version: 1, ladder: [{ height: 360 }, { height: 144 }] } as const;
const SINGLE = { SPLIT_THRESHOLD_SECONDS: '0' };
const GROWING = 'public, max-age=1';

describe('a single Job publishes its HLS while ffmpeg writes it', () => {
  let env: TestEnv;
  let clip: string;
  beforeAll(async () => {
    env = await createTestEnv('live');
    clip = await makeClip({
      seconds: SECONDS,
      width: 640,
      height: 360,
      // The index first, so that a file cut short still opens (the failure test).
      outputOptions: [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p',
        '-movflags',
        '+faststart',
      ],
    });
  });
  afterAll(() => env.destroy());

  it('uploads each segment once, as ffmpeg lists it; EVENT playlists grow from the start and the job is PLAYABLE while ffmpeg runs; then the VOD playlists', async () => {
    const jobId = 'live-one';
    await env.send({ ...JOB, jobId, input: await env.putSource('in/live.mp4', clip) });
    const writes: PlaylistWrite[] = [];
    const uploads: string[] = [];
    const { record } = await workInProcess(env, jobId, SINGLE, (deps) => ({
      storage: watchPlaylists(env, watchUploads(deps.storage, uploads), writes, () =>
        ffmpegUnder(env.workDir, jobId),
      ),
    }));
    expect(record.status).toBe('SUCCEEDED');
    expect(await env.stats()).toEqual({ succeeded: 1, failed: 0, running: 0, retries: 0 });
    expect(record.playable?.master).toMatch(/outputs\/live-one\/hls\/master\.m3u8$/);
    expect(Date.parse(record.playable!.at)).toBeLessThan(Date.parse(record.finishedAt!));

    const prefix = `outputs/${jobId}/`;
    const growing = writes.filter((w) => w.cacheControl === GROWING);
    const masters = growing.filter((w) => w.key === `${prefix}hls/master.m3u8`);
    // The first master went up while ffmpeg was still encoding, and so did more after it.
    expect(masters.length).toBeGreaterThan(1);
    expect(masters[0]!.during).toBe(true);
    const tracks = (await env.listOutputs(`${prefix}hls/`))
      .map((o) => /^outputs\/live-one\/hls\/([^/]+)\/playlist\.m3u8$/.exec(o.key)?.[1])
      .filter((t) => t !== undefined);
    expect(tracks.filter((t) => t.startsWith('audio_')).length).toBeGreaterThan(0);
    expect(tracks.filter((t) => !t.startsWith('audio_')).sort()).toEqual(['144p', '360p']);
    let finalSegments = 0;
    for (const track of tracks) {
      const key = `${prefix}hls/${track}/playlist.m3u8`;
      const own = growing.filter((w) => w.key === key);
      const lists = own.map((w) => parseMediaPlaylist(w.text).segments.map((s) => s.uri));
      expect(own.length, track).toBeGreaterThan(1);
      for (const w of own) {
        expect(w.missing, track).toEqual([]);
        expect(w.text, track).toContain('#EXT-X-PLAYLIST-TYPE:EVENT\n');
        expect(w.text, track).toContain('#EXT-X-START:TIME-OFFSET=0,PRECISE=YES\n');
        expect(w.text, track).not.toContain('#EXT-X-ENDLIST');
      }
      const final = (await env.getObject(key)).body.toString();
      expect(final, track).toContain('#EXT-X-PLAYLIST-TYPE:VOD\n');
      const finalUris = parseMediaPlaylist(final).segments.map((s) => s.uri);
      // (The audio may end a few AAC frames past the video, in a short last segment.)
      expect(finalUris.length, track).toBe(SEGMENTS + (track.startsWith('audio_') ? 1 : 0));
      finalSegments += finalUris.length;
      // Each write lists what the one before did (a round writes every playlist when any track
      // grew), a prefix of the final list; they grew while ffmpeg ran.
      for (const [i, l] of lists.entries()) {
        expect(finalUris.slice(0, l.length), track).toEqual(l);
        if (i > 0) expect(l.length, track).toBeGreaterThanOrEqual(lists[i - 1]!.length);
      }
      expect(new Set(lists.map((l) => l.length)).size, track).toBeGreaterThan(1);
      // The first listings came before the end: most segments were up before ffmpeg ended.
      expect(lists[0]!.length, track).toBeLessThan(SEGMENTS);
    }
    // Every file uploaded once: the final upload skipped the segments already up.
    const counts = new Map<string, number>();
    for (const key of uploads) counts.set(key, (counts.get(key) ?? 0) + 1);
    expect([...counts].filter(([, n]) => n > 1)).toEqual([]);
    expect(uploads.filter((k) => k.endsWith('.m4s')).length).toBe(finalSegments);
    const segment = await env.getObject(`${prefix}hls/360p/seg_00003.m4s`);
    expect(segment.cacheControl).toBe('public, max-age=31536000, immutable');
    expect((await env.getObject(`${prefix}hls/master.m3u8`)).cacheControl).toBe(
      'public, max-age=60',
    );
  }, 300_000);

  it('ends the playlists where they stand when the run fails after it was playable: FAILED once, the DLQ, ENDLIST, only listed segments left', async () => {
    const jobId = 'live-broken';
    // The file's index says two minutes; its data stops halfway.
    const cut = join(mkdtempSync(join(tmpdir(), 'live-')), 'cut.mp4');
    copyFileSync(clip, cut);
    truncateSync(cut, Math.floor(statSync(cut).size * 0.5));
    await env.send({ ...JOB, jobId, input: await env.putSource('in/cut.mp4', cut) });
    const before = await env.stats();
    const { record } = await workInProcess(env, jobId, SINGLE);
    expect(record.status).toBe('FAILED');
    expect(record.error).toMatchObject({ code: 'INVALID_MEDIA', retryable: false });
    expect(record.error?.message).toMatch(/truncated or damaged/);
    expect(record.playable?.master).toMatch(/hls\/master\.m3u8$/);
    const after = await env.stats();
    expect(after.failed - before.failed).toBe(1);
    const dead = (await env.drainDeadLetters()).filter(
      (m) => m.attributes['transcoder.job-id'] === jobId,
    );
    expect(dead).toHaveLength(1);

    const prefix = `outputs/${jobId}/`;
    const left = (await env.listOutputs(prefix)).map((o) => o.key.slice(prefix.length));
    for (const track of ['360p', '144p']) {
      const listed = parseMediaPlaylist(
        (await env.getObject(`${prefix}hls/${track}/playlist.m3u8`)).body.toString(),
      );
      expect(listed.ended, track).toBe(true);
      expect(listed.segments.length, track).toBeGreaterThan(0);
      expect(listed.segments.length, track).toBeLessThan(SEGMENTS);
      expect(left.filter((k) => k.startsWith(`hls/${track}/`)).sort(), track).toEqual(
        ['init.mp4', 'playlist.m3u8', ...listed.segments.map((s) => s.uri)]
          .map((k) => `hls/${track}/${k}`)
          .sort(),
      );
    }
    // No MP4, no poster: only what the ended playlists list.
    expect(left.filter((k) => !k.startsWith('hls/'))).toEqual([]);
  }, 300_000);
});

describe('a split job whose audio is still encoding', () => {
  let env: TestEnv;
  let input: string;
  beforeAll(async () => {
    env = await createTestEnv('live-split');
    const clip = await makeClip({ seconds: 180, width: 640, height: 360, fps: 30000 / 1001 });
    input = await env.putSource('in/long.mp4', clip);
  });
  afterAll(() => env.destroy());

  it('lists the chunks done as far as the audio has published its segments, while the audio encodes: no chunk ahead of its audio', async () => {
    const jobId = 'audio-late';
    await env.send({ ...JOB, jobId, input });
    // The audio's first try fails (a passing fault): the chunks are done before it is retried,
    // and wait for it; its retry publishes them as its segments go up.
    let audioTries = 0;
    const writes: PlaylistWrite[] = [];
    const { record } = await workInProcess(
      env,
      jobId,
      {
        SPLIT_THRESHOLD_SECONDS: '30',
        CHUNK_SECONDS: '20',
        FIRST_CHUNK_SECONDS: '0',
        RETRY_DELAY_SECONDS: '8',
        RETRY_DELAY_MAX_SECONDS: '8',
      },
      (deps) => ({
        storage: watchPlaylists(env, deps.storage, writes),
        transcoder: {
          ...boundTranscoder(deps.transcoder),
          encodeAudio: (audio) =>
            audioTries++ === 0
              ? Promise.reject(new TransientError('the node lost its disk for a moment'))
              : deps.transcoder.encodeAudio(audio),
        },
      }),
    );
    expect(record.error).toBeUndefined();
    expect(record.status).toBe('SUCCEEDED');
    expect(record.retries).toBe(1);
    expect(audioTries).toBe(2);

    const prefix = `outputs/${jobId}/hls/`;
    const growing = writes.filter((w) => w.cacheControl === GROWING);
    const duration = (text: string) =>
      parseMediaPlaylist(text).segments.reduce((sum, seg) => sum + seg.durationSeconds, 0);
    const finalAudio = parseMediaPlaylist(
      (await env.getObject(`${prefix}audio_64k/playlist.m3u8`)).body.toString(),
    ).segments.length;
    // One publication: the media playlists, then the master.
    const publications: PlaylistWrite[][] = [[]];
    for (const w of growing) {
      publications.at(-1)!.push(w);
      if (w.key.endsWith('/master.m3u8')) publications.push([]);
    }
    publications.pop();
    let beforeWhole = 0;
    for (const [i, pub] of publications.entries()) {
      const audio = pub.find((w) => w.key === `${prefix}audio_64k/playlist.m3u8`)!;
      const audioListed = parseMediaPlaylist(audio.text).segments.length;
      if (audioListed < finalAudio) beforeWhole++;
      for (const rung of ['360p', '144p']) {
        const video = pub.find((w) => w.key === `${prefix}${rung}/playlist.m3u8`)!;
        expect(video.missing, rung).toEqual([]);
        // Never a chunk past its audio (a player would stall on the audio).
        expect(duration(video.text), `${rung} in publication ${i}`).toBeLessThanOrEqual(
          duration(audio.text) + 0.05,
        );
      }
      expect(audio.missing).toEqual([]);
    }
    // Chunks were listed while the audio was still being encoded and published.
    expect(beforeWhole).toBeGreaterThan(0);
    expect(await env.drainDeadLetters()).toEqual([]);
    expect(await env.listOutputs('outputs/_work/')).toEqual([]);
  }, 600_000);
});
