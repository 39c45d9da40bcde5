import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser } from 'playwright-core';
import { TOKEN } from '../support/api.ts';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, allowed to autoplay. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--autoplay-policy=no-user-gesture-required'],
  });
}

/** What the DASH test page (dashPage) records. */
export interface DashState {
  videos: { id: string; height: number }[];
  audio: number;
  text: { lang: string | null }[];
  rendered: { type: string; height: number | null }[];
  errors: string[];
}

/**
 * A page of the API's origin that plays a manifest with dash.js (the package's own browser
 * build): requests to the outputs carry the token; what the player reports lands in ktDash.
 */
export async function dashPage(browser: Browser, apiUrl: string, manifest: string) {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  // The package's "require" export is its UMD browser build.
  const dashJs = createRequire(import.meta.url).resolve('dashjs');
  await page.route(`${apiUrl}/dash-test/dash.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: readFileSync(dashJs, 'utf8') }),
  );
  await page.route(`${apiUrl}/dash-test/`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><video id="video" muted autoplay></video>
<script src="/dash-test/dash.js"></script>
<script>
  const state = (window.ktDash = { videos: [], audio: 0, text: [], rendered: [], errors: [] });
  const player = dashjs.MediaPlayer().create();
  const E = dashjs.MediaPlayer.events;
  player.on(E.STREAM_INITIALIZED, () => {
    state.videos = player.getRepresentationsByType('video').map((r) => ({ id: r.id, height: r.height }));
    state.audio = player.getTracksFor('audio').length;
  });
  player.on(E.TEXT_TRACKS_ADDED, (e) => { state.text = e.tracks.map((t) => ({ lang: t.lang || null })); });
  player.on(E.QUALITY_CHANGE_RENDERED, (e) =>
    state.rendered.push({ type: e.mediaType, height: e.newRepresentation ? e.newRepresentation.height : null }));
  player.on(E.ERROR, (e) => state.errors.push(JSON.stringify(e.error && (e.error.message || e.error.code))));
  player.initialize(document.getElementById('video'), ${JSON.stringify(manifest)}, true);
  window.ktDashPlayer = player;
</script>`,
    }),
  );
  // The outputs route wants the token, as the page's own player sends it.
  await page.route(`${apiUrl}/jobs/**`, (route) =>
    route.continue({
      headers: { ...route.request().headers(), authorization: `Bearer ${TOKEN}` },
    }),
  );
  await page.goto(`${apiUrl}/dash-test/`);
  return { page, pageErrors };
}

/** The parts of dash.js's MediaPlayer the tests call in the page. */
export interface DashPlayer {
  updateSettings(settings: object): void;
  getRepresentationsByType(type: string): { id: string; height: number }[];
  setRepresentationForTypeById(type: string, id: string, force: boolean): void;
  setTextTrack(index: number): void;
}
