import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import { startApi, TOKEN } from '../support/api.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';
import { CHROMIUM, launchChromium } from './players.ts';

interface Video {
  currentTime: number;
  duration: number;
  ended: boolean;
  buffered: { length: number; start(i: number): number; end(i: number): number };
}
interface Page {
  ktPlayer: { levels: unknown[]; errors: string[] };
  document: { getElementById(id: string): Video };
}

const SPLIT = { SPLIT_THRESHOLD_SECONDS: '10', CHUNK_SECONDS: '8', FIRST_CHUNK_SECONDS: '8' };

/**
 * A split job played while it is still transcoding: the page's player (hls.js in Chromium)
 * starts on the growing EVENT playlists as soon as the job is PLAYABLE, with chunks still on
 * the queue, and plays through to the end once the rest is published and the stitch writes
 * the final VOD playlists.
 */
describe('a split job in headless Chromium, played while it runs', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM))
      throw new Error(`${CHROMIUM} is missing: run scripts/setup.sh (apt-get install chromium)`);
    env = await createTestEnv('progressive');
    api = await startApi(env);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    env?.destroy();
  });

  it('plays from PLAYABLE, while chunks are still to come, through to ENDLIST without an error', async () => {
    const created = await api.call('POST', '/jobs', {
      version: 1,
      input: await env.putSource(
        'uploads/long.mp4',
        await makeClip({ seconds: 24, width: 640, height: 360 }),
      ),
      ladder: [{ height: 360 }, { height: 144 }],
      formats: ['hls'],
    });
    const jobId = (created.body as { jobId: string }).jobId;
    // The plan, then the audio and the first chunk: the job is playable, two chunks to come.
    for (let i = 0; i < 3; i++) {
      expect(await env.runWorker(SPLIT)).toMatchObject({ kind: 'handled' });
    }
    const job = await api.call('GET', `/jobs/${jobId}`);
    const view = job.body as { status: string; playable?: { master: string } };
    expect(view.status).toBe('RUNNING');
    expect(view.playable?.master).toMatch(/\/hls\/master\.m3u8$/);
    const fetchOutput = async (path: string) =>
      (
        await fetch(`${api.url}/jobs/${jobId}/outputs/${path}`, {
          headers: { Authorization: `Bearer ${TOKEN}` },
        })
      ).text();
    const growing = await fetchOutput('hls/360p/playlist.m3u8');
    expect(growing).toContain('#EXT-X-PLAYLIST-TYPE:EVENT');
    expect(parseMediaPlaylist(growing)).toMatchObject({ ended: false });
    expect(parseMediaPlaylist(growing).segments).toHaveLength(2);

    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await page.goto(`${api.url}/#token=${TOKEN}`);
    const row = page.locator(`tr[data-job-id="${jobId}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').nth(1).textContent()).toBe('RUNNING');
    expect(await row.locator('td').nth(2).textContent()).toContain('playable');
    await row.click();
    await page.waitForFunction(
      () => (globalThis as unknown as Page).document.getElementById('video').currentTime > 1,
      undefined,
      { timeout: 30_000 },
    );

    // The rest while it plays: the two chunks and the stitch.
    const rest: string[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await env.runWorker(SPLIT);
      rest.push(out.kind === 'handled' ? out.outcome : out.kind);
    }
    expect(rest).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect((await api.call('GET', `/jobs/${jobId}`)).body).toMatchObject({ status: 'SUCCEEDED' });
    const final = parseMediaPlaylist(await fetchOutput('hls/360p/playlist.m3u8'));
    expect(final.ended).toBe(true);
    expect(final.segments.length).toBeGreaterThanOrEqual(6);

    // It plays on past the first chunk and to the end: the player reloaded the playlist and
    // found the rest, then ENDLIST.
    await page.waitForFunction(
      () => {
        const v = (globalThis as unknown as Page).document.getElementById('video');
        return v.ended || v.currentTime > 22.5;
      },
      undefined,
      { timeout: 90_000 },
    );
    const video = await page.evaluate(() => {
      const v = (globalThis as unknown as Page).document.getElementById('video');
      return {
        duration: v.duration,
        ranges: Array.from({ length: v.buffered.length }, (_, i) => [
          v.buffered.start(i),
          v.buffered.end(i),
        ]),
      };
    });
    expect(video.duration, JSON.stringify(video)).toBeCloseTo(24, 0);
    // One unbroken buffered range over the chunk boundaries (8 s, 16 s).
    expect(
      video.ranges.some(([a, b]) => a! <= 7 && b! >= 17),
      JSON.stringify(video.ranges),
    ).toBe(true);
    expect((await page.evaluate(() => (globalThis as unknown as Page).ktPlayer)).errors).toEqual(
      [],
    );
    expect(pageErrors).toEqual([]);
  });
});
