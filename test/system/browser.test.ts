import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TOKEN } from '../support/api.ts';
import { matroskaWithSubtitles, SUBTITLE_CUES } from '../support/caption-clips.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { CHROMIUM, dashPage, launchChromium, type DashPlayer, type DashState } from './players.ts';

/** What the tests read in the page. */
interface Page {
  ktPlayer: PlayerState;
  ktUpload: UploadState;
  document: {
    getElementById(id: string): { currentTime: number };
    querySelector(selector: string): { textContent: string | null } | null;
  };
}

interface UploadState {
  state: string;
  bytes: number;
  total: number;
  parts: { state: string }[];
  input: string | null;
  jobId: string | null;
  error: string | null;
}

interface PlayerState {
  jobId: string | null;
  levels: { height: number; width: number; bitrate: number; codecs: string }[];
  switches: { level: number; height: number; at: number }[];
  subtitles: { name: string; lang: string | null }[];
  cues: { start: number; end: number; text: string }[];
  errors: string[];
}

/**
 * The page the API serves, in a real browser: the HLS ladder plays, and switches renditions;
 * the same jobs' DASH manifests play in dash.js.
 */
describe('the HLS and DASH outputs in headless Chromium', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let browser: Browser;
  let jobId: string;
  let subtitledJobId: string;
  let splitJobId: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
    env = await createTestEnv('browser');
    api = await startApi(env);
    const source = await env.putSource(
      'uploads/browser.mp4',
      await makeClip({ seconds: 12, width: 640, height: 360 }),
    );
    const created = await api.call('POST', '/jobs', {
      version: 1,
      input: source,
      ladder: [{ height: 360 }, { height: 240 }, { height: 144 }],
      formats: ['hls'],
    });
    jobId = (created.body as { jobId: string }).jobId;
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    const subtitled = await api.call('POST', '/jobs', {
      version: 1,
      input: await env.putSource('uploads/subtitled.mkv', await matroskaWithSubtitles()),
      ladder: [{ height: 240 }],
      formats: ['hls'],
    });
    subtitledJobId = (subtitled.body as { jobId: string }).jobId;
    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    // A source split across Jobs: three 8 s chunks and the audio, then the stitch.
    const split = await api.call('POST', '/jobs', {
      version: 1,
      input: await env.putSource(
        'uploads/split.mp4',
        await makeClip({ seconds: 24, width: 640, height: 360 }),
      ),
      ladder: [{ height: 360 }, { height: 144 }],
      formats: ['hls'],
    });
    splitJobId = (split.body as { jobId: string }).jobId;
    const outcomes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const out = await env.runWorker({ SPLIT_THRESHOLD_SECONDS: '10', CHUNK_SECONDS: '8' });
      outcomes.push(out.kind === 'handled' ? out.outcome : out.kind);
    }
    expect(outcomes).toEqual([
      'split',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
      'succeeded',
    ]);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    env?.destroy();
  });

  it('lists the job, loads every level of the master playlist, plays, and switches rendition', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(`${api.url}/#token=${TOKEN}`);
    // The token left the address bar once read.
    expect(page.url()).toBe(`${api.url}/`);
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(1).textContent()).toBe('SUCCEEDED');
    await row.click();

    // Functions run in the page (strings would need 'unsafe-eval', which its policy forbids);
    // this file is compiled without the DOM's types, hence the casts through globalThis.
    const state = () => page.evaluate(() => (globalThis as unknown as Page).ktPlayer);
    const videoTime = () =>
      page.evaluate(
        () => (globalThis as unknown as Page).document.getElementById('video').currentTime,
      );
    await page.waitForFunction(
      () => (globalThis as unknown as Page).ktPlayer.levels.length > 0,
      undefined,
      { timeout: 15_000 },
    );
    const master = await (
      await fetch(`${api.url}/jobs/${jobId}/outputs/hls/master.m3u8`, {
        headers: { Authorization: `Bearer ${TOKEN}` },
      })
    ).text();
    const variants = [...master.matchAll(/RESOLUTION=(\d+)x(\d+)/g)].map((m) => Number(m[2]));
    expect(variants.length).toBe(3);
    expect((await state()).levels.map((l) => l.height).sort((a, b) => a - b)).toEqual(
      [...variants].sort((a, b) => a - b),
    );

    // Playback advances.
    await page.waitForFunction(
      () => (globalThis as unknown as Page).document.getElementById('video').currentTime > 1.5,
      undefined,
      { timeout: 20_000 },
    );

    // Ask for the smallest rendition: hls.js switches at a segment boundary and plays on.
    const smallest = (await state()).levels.findIndex((l) => l.height === Math.min(...variants));
    await page.selectOption('#levels', String(smallest));
    await page.waitForFunction(
      (h) => (globalThis as unknown as Page).ktPlayer.switches.some((x) => x.height === h),
      Math.min(...variants),
      { timeout: 20_000 },
    );
    const before = await videoTime();
    await page.waitForFunction(
      (t) => (globalThis as unknown as Page).document.getElementById('video').currentTime > t + 1,
      before,
      { timeout: 20_000 },
    );
    expect((await state()).errors).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('plays a source stitched from chunks across its chunk boundaries, with nothing missing between them', async () => {
    const page = await browser.newPage();
    const consoleErrors: string[] = [];
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    await page.goto(`${api.url}/#token=${TOKEN}`);
    const row = page.locator(`tr[data-job-id="${splitJobId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(1).textContent()).toBe('SUCCEEDED');
    await row.click();
    await page.waitForFunction(
      () => (globalThis as unknown as Page).ktPlayer.levels.length > 0,
      undefined,
      { timeout: 15_000 },
    );
    // Play across each boundary (8 s and 16 s) from just before it.
    for (const boundary of [8, 16]) {
      await page.evaluate(
        ({ t }) => {
          (
            globalThis as unknown as {
              document: { getElementById(id: string): { currentTime: number } };
            }
          ).document.getElementById('video').currentTime = t;
        },
        { t: boundary - 1.5 },
      );
      await page.waitForFunction(
        (t) => (globalThis as unknown as Page).document.getElementById('video').currentTime > t,
        boundary + 1,
        { timeout: 20_000 },
      );
    }
    const duration = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { duration: number } };
          }
        ).document.getElementById('video').duration,
    );
    expect(duration).toBeCloseTo(24, 0);
    // What was fetched around the boundaries is one unbroken range: no gap where chunks meet.
    const ranges = await page.evaluate(() => {
      const v = (
        globalThis as unknown as {
          document: {
            getElementById(id: string): {
              buffered: { length: number; start(i: number): number; end(i: number): number };
            };
          };
        }
      ).document.getElementById('video');
      return Array.from({ length: v.buffered.length }, (_, i) => [
        v.buffered.start(i),
        v.buffered.end(i),
      ]);
    });
    const covering = (t: number) => ranges.find(([a, b]) => a! <= t - 1 && b! >= t + 1);
    expect(covering(8), JSON.stringify(ranges)).toBeDefined();
    expect(covering(16), JSON.stringify(ranges)).toBeDefined();
    expect((await page.evaluate(() => (globalThis as unknown as Page).ktPlayer)).errors).toEqual(
      [],
    );
    expect(consoleErrors).toEqual([]);
  });

  it('lists the subtitle renditions, and shows the chosen one’s cues at their times', async () => {
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${api.url}/#token=${TOKEN}`);
    const row = page.locator(`tr[data-job-id="${subtitledJobId}"]`);
    await row.waitFor({ timeout: 15_000 });
    await row.click();
    await page.waitForFunction(
      () => (globalThis as unknown as Page).ktPlayer.subtitles.length === 2,
      undefined,
      { timeout: 15_000 },
    );
    const state = () => page.evaluate(() => (globalThis as unknown as Page).ktPlayer);
    expect((await state()).subtitles).toEqual([
      { name: 'English (SDH)', lang: 'en' },
      { name: 'French', lang: 'fr' },
    ]);
    await page.selectOption('#subtitles', '0');
    // Read in the same step as the wait: the cues the page saw once both had arrived.
    const cues = (await (
      await page.waitForFunction(
        () => {
          const seen = (globalThis as unknown as Page).ktPlayer.cues;
          return seen.length === 2 ? seen : false;
        },
        undefined,
        { timeout: 20_000 },
      )
    ).jsonValue()) as PlayerState['cues'];
    // hls.js places the cues on the video's timeline: where the source had them.
    expect(cues.map((c) => c.text)).toEqual(SUBTITLE_CUES.english.map((c) => c.text));
    for (const [i, c] of cues.entries()) {
      expect(Math.abs(c.start - SUBTITLE_CUES.english[i]!.start)).toBeLessThan(0.1);
      expect(Math.abs(c.end - SUBTITLE_CUES.english[i]!.end)).toBeLessThan(0.1);
    }
    expect((await state()).errors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('plays the same segments as HLS: every rung listed, audio decoded, a switch to the smallest rung rendered', async () => {
    const { page, pageErrors } = await dashPage(
      browser,
      api.url,
      `/jobs/${jobId}/outputs/hls/manifest.mpd`,
    );
    const state = () =>
      page.evaluate(() => (globalThis as unknown as { ktDash: DashState }).ktDash);
    await page.waitForFunction(
      () => (globalThis as unknown as { ktDash: DashState }).ktDash.videos.length > 0,
      undefined,
      { timeout: 15_000 },
    );
    expect((await state()).videos.map((v) => v.height).sort((a, b) => a - b)).toEqual([
      144, 240, 360,
    ]);
    expect((await state()).audio).toBe(1);
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { currentTime: number } };
          }
        ).document.getElementById('video').currentTime > 1.5,
      undefined,
      { timeout: 20_000 },
    );
    // Ask for the smallest rung: dash.js renders it, and playback goes on past a boundary.
    await page.evaluate(() => {
      const player = (globalThis as unknown as { ktDashPlayer: DashPlayer }).ktDashPlayer;
      player.updateSettings({ streaming: { abr: { autoSwitchBitrate: { video: false } } } });
      const reps = player.getRepresentationsByType('video');
      const smallest = reps.reduce((a, b) => (b.height < a.height ? b : a));
      player.setRepresentationForTypeById('video', smallest.id, true);
    });
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { ktDash: DashState }).ktDash.rendered.some(
          (r) => r.type === 'video' && r.height === 144,
        ),
      undefined,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { currentTime: number } };
          }
        ).document.getElementById('video').currentTime > 8.5,
      undefined,
      { timeout: 30_000 },
    );
    // The separate audio track was fetched and decoded, not just listed.
    const audioBytes = await page.evaluate(
      () =>
        (
          globalThis as unknown as {
            document: { getElementById(id: string): { webkitAudioDecodedByteCount: number } };
          }
        ).document.getElementById('video').webkitAudioDecodedByteCount,
    );
    expect(audioBytes).toBeGreaterThan(0);
    expect((await state()).errors).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it('offers the WebVTT sidecars as text tracks, and shows the English cues at their times', async () => {
    const { page, pageErrors } = await dashPage(
      browser,
      api.url,
      `/jobs/${subtitledJobId}/outputs/hls/manifest.mpd`,
    );
    await page.waitForFunction(
      () => (globalThis as unknown as { ktDash: DashState }).ktDash.text.length === 2,
      undefined,
      { timeout: 15_000 },
    );
    const langs = (
      await page.evaluate(() => (globalThis as unknown as { ktDash: DashState }).ktDash)
    ).text.map((t) => t.lang);
    expect(langs).toEqual(['en', 'fr']);
    // Choose English; dash.js loads the sidecar into the video's text track.
    const cues = (await (
      await page.waitForFunction(
        () => {
          const g = globalThis as unknown as {
            ktDashPlayer: DashPlayer;
            document: {
              getElementById(id: string): {
                textTracks: ArrayLike<{
                  language: string;
                  mode: string;
                  cues: ArrayLike<{ startTime: number; endTime: number; text: string }> | null;
                }>;
              };
            };
          };
          g.ktDashPlayer.setTextTrack(0);
          const tracks = Array.from(g.document.getElementById('video').textTracks);
          const en = tracks.find((t) => t.language === 'en' && t.cues && t.cues.length === 2);
          return en
            ? Array.from(en.cues!).map((c) => ({
                start: c.startTime,
                end: c.endTime,
                text: c.text,
              }))
            : false;
        },
        undefined,
        { timeout: 20_000, polling: 250 },
      )
    ).jsonValue()) as { start: number; end: number; text: string }[];
    expect(cues.map((c) => c.text)).toEqual(SUBTITLE_CUES.english.map((c) => c.text));
    for (const [i, c] of cues.entries()) {
      expect(Math.abs(c.start - SUBTITLE_CUES.english[i]!.start)).toBeLessThan(0.1);
      expect(Math.abs(c.end - SUBTITLE_CUES.english[i]!.end)).toBeLessThan(0.1);
    }
    expect(
      (await page.evaluate(() => (globalThis as unknown as { ktDash: DashState }).ktDash)).errors,
    ).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

/**
 * The whole product from a browser: a person picks a video of over 50 MB on the page, it goes
 * up to S3 in parts (one part failing every try pauses it; Resume finishes it), becomes a job,
 * and plays when it is done. No command line.
 */
describe('uploading through the page', () => {
  let env: TestEnv;
  let proxy: FaultProxy;
  let api: Awaited<ReturnType<typeof startApi>>;
  let browser: Browser;
  let video: string;

  beforeAll(async () => {
    env = await createTestEnv('browser-upload');
    // The page's upload URLs go through a proxy that can fail a chosen part.
    proxy = await startFaultProxy(env.stack.s3Endpoint);
    api = await startApi(env, {}, { AWS_ENDPOINT_URL_S3: proxy.endpoint });
    video = await makeClip({
      seconds: 20,
      width: 1280,
      height: 720,
      fps: 30,
      video: 'testsrc2=size=1280x720:rate=30:duration=20,noise=alls=12:allf=t+u[out0]',
      outputOptions: [
        '-c:v',
        'libx264',
        '-preset',
        'ultrafast',
        '-b:v',
        '26M',
        '-maxrate',
        '26M',
        '-bufsize',
        '52M',
        '-pix_fmt',
        'yuv420p',
      ],
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await proxy?.stop();
    env?.destroy();
  });

  it('uploads a file of over 50 MB in parts, resumes after a failed part, transcodes it and plays it', async () => {
    const size = statSync(video).size;
    expect(size).toBeGreaterThan(50 * 1000 * 1000);
    proxy.add({
      match: (r) => r.method === 'PUT' && /(^|&)partNumber=3(&|$)/.test(r.query),
      fault: 's3-slow-down',
      times: 3, // every try of part 3
    });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${api.url}/#token=${TOKEN}`);
    const upload = () => page.evaluate(() => (globalThis as unknown as Page).ktUpload);
    await page.setInputFiles('#file', video);

    await page.waitForFunction(
      () => (globalThis as unknown as Page).ktUpload.state === 'paused',
      undefined,
      {
        timeout: 60_000,
      },
    );
    const paused = await upload();
    expect(paused.error).toMatch(/^part 3 of \d+ failed 3 times/);
    expect(paused.parts[2]!.state).toBe('failed');
    expect(await page.isVisible('#upload-resume')).toBe(true);

    await page.click('#upload-resume');
    await page.waitForFunction(
      () => (globalThis as unknown as Page).ktUpload.state === 'enqueued',
      undefined,
      {
        timeout: 60_000,
      },
    );
    const done = await upload();
    expect(done.bytes).toBe(size);
    expect(done.parts.every((p) => p.state === 'done')).toBe(true);
    expect(done.parts.length).toBe(Math.ceil(size / (8 * 1024 * 1024)));
    expect(await page.textContent('#upload-text')).toContain(`job ${done.jobId}`);

    // What reached S3 is the file, byte for byte.
    const [, bucket, key] = /^s3:\/\/([^/]+)\/(.+)$/.exec(done.input!)!;
    const object = await env.clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
    expect(sha(await object.Body!.transformToByteArray())).toBe(sha(readFileSync(video)));

    expect(await env.runWorker()).toEqual({ kind: 'handled', outcome: 'succeeded' });
    // The page notices, marks its job and plays it.
    await page.waitForFunction(
      (id) => (globalThis as unknown as Page).ktPlayer.jobId === id,
      done.jobId,
      { timeout: 20_000 },
    );
    await page.waitForFunction(
      () => (globalThis as unknown as Page).document.getElementById('video').currentTime > 1.5,
      undefined,
      { timeout: 30_000 },
    );
    // (It may have started while the job ran: a single Job is playable before its end.)
    await page.waitForFunction(
      () =>
        (globalThis as unknown as Page).document.querySelector('tr.mine td:nth-child(2)')
          ?.textContent === 'SUCCEEDED',
      undefined,
      { timeout: 30_000 },
    );
    expect((await page.evaluate(() => (globalThis as unknown as Page).ktPlayer)).errors).toEqual(
      [],
    );
    expect(pageErrors).toEqual([]);
  });
});
