import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, TOKEN } from '../support/api.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

const CHROMIUM = '/usr/bin/chromium';

/** What the tests read in the page. */
interface Page {
  ktPlayer: PlayerState;
  document: { getElementById(id: string): { currentTime: number } };
}

interface PlayerState {
  jobId: string | null;
  levels: { height: number; width: number; bitrate: number; codecs: string }[];
  switches: { level: number; height: number; at: number }[];
  errors: string[];
}

/** The page the API serves, in a real browser: the HLS ladder plays, and switches renditions. */
describe('the HLS output in headless Chromium', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let browser: Browser;
  let jobId: string;

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
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
    });
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
});
