import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
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
  /** STREAM_INITIALIZED came: the tracks below are the ones dash.js kept. */
  initialized: boolean;
  /** The Representations of the video track being played (after STREAM_INITIALIZED). */
  videos: { id: string; height: number }[];
  /** The video tracks (Adaptation Sets) dash.js offers: their codec, `video/mp4;codecs="..."`. */
  videoTracks: string[];
  audio: number;
  text: { lang: string | null }[];
  rendered: { type: string; id: string | null; height: number | null }[];
  /** Adaptation Sets dash.js dropped because the browser decodes none of their Representations. */
  removed: string[];
  errors: string[];
}

/** The parts of dash.js's MediaPlayer the tests call in the page. */
export interface DashPlayer {
  updateSettings(settings: object): void;
  getRepresentationsByType(type: string): { id: string; height: number }[];
  getCurrentRepresentationForType(type: string): { id: string; codecs: string | null } | null;
  setRepresentationForTypeById(type: string, id: string, force: boolean): void;
  setTextTrack(index: number): void;
}

/**
 * A page of the API's origin that plays a manifest with dash.js (the package's own browser
 * build): requests to the outputs carry the token; what the player reports lands in ktDash.
 * `onlyVideo` (a codec family: `av01`) keeps the video Representations of that codec only,
 * through a dash.js custom capabilities filter: the player sees no other video track.
 * `before` runs on the new page before it loads (watchMedia).
 */
export async function dashPage(
  browser: Browser,
  apiUrl: string,
  manifest: string,
  options: { onlyVideo?: string; before?: (page: Page) => Promise<void> } = {},
) {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  await options.before?.(page);
  // The package's "require" export is its UMD browser build.
  const dashJs = createRequire(import.meta.url).resolve('dashjs');
  await page.route(`${apiUrl}/dash-test/dash.js`, (route) =>
    route.fulfill({ contentType: 'text/javascript', body: readFileSync(dashJs, 'utf8') }),
  );
  // Audio and text Representations pass; so does a video one of the family asked for.
  const filter = options.onlyVideo
    ? `player.registerCustomCapabilitiesFilter((r) =>
    !/^(avc[13]|hvc1|hev1|av01|vp09)[.]/.test(r.codecs || '') || r.codecs.startsWith(${JSON.stringify(options.onlyVideo)}));`
    : '';
  await page.route(`${apiUrl}/dash-test/`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: `<!doctype html><video id="video" muted autoplay></video>
<script src="/dash-test/dash.js"></script>
<script>
  const state = (window.ktDash = { initialized: false, videos: [], videoTracks: [], audio: 0, text: [], rendered: [], removed: [], errors: [] });
  const player = dashjs.MediaPlayer().create();
  const E = dashjs.MediaPlayer.events;
  player.on(E.ADAPTATION_SET_REMOVED_NO_CAPABILITIES, (e) => state.removed.push(String(e.adaptationSet.id)));
  player.on(E.STREAM_INITIALIZED, () => {
    state.initialized = true;
    state.videos = player.getRepresentationsByType('video').map((r) => ({ id: r.id, height: r.height }));
    state.videoTracks = player.getTracksFor('video').map((t) => t.codec);
    state.audio = player.getTracksFor('audio').length;
  });
  player.on(E.TEXT_TRACKS_ADDED, (e) => { state.text = e.tracks.map((t) => ({ lang: t.lang || null })); });
  player.on(E.QUALITY_CHANGE_RENDERED, (e) => {
    const r = e.newRepresentation;
    state.rendered.push({ type: e.mediaType, id: r ? r.id : null, height: r ? r.height : null });
  });
  player.on(E.ERROR, (e) => state.errors.push(JSON.stringify(e.error && (e.error.message || e.error.code))));
  // A filter is registered once the player is initialized, before the manifest is read.
  player.initialize(document.getElementById('video'), undefined, true);
  ${filter}
  player.attachSource(${JSON.stringify(manifest)});
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

/** What watchMedia saw of a page's media pipeline. */
export interface MediaWatch {
  /** Each SourceBuffer created (`add`) or retyped (`changeType`), with its MIME type, in order. */
  sourceBuffers(): Promise<{ op: 'add' | 'changeType'; type: string }[]>;
  /** Each video decoder Chromium's media pipeline reports choosing, in order (`Dav1dVideoDecoder`). */
  readonly videoDecoders: string[];
}

/**
 * Watches, from outside the players, what reaches the browser's media stack: the MIME types
 * SourceBuffers are created or retyped with (wrapping MediaSource.addSourceBuffer and
 * SourceBuffer.changeType before any page script runs), and the video decoder Chromium picks
 * for the frames (the DevTools Media domain's kVideoDecoderName). Call before the page loads.
 */
export async function watchMedia(page: Page): Promise<MediaWatch> {
  await page.addInitScript(() => {
    // This file is compiled without the DOM's types, hence the loose shapes.
    type Proto = Record<string, (this: unknown, type: string) => unknown>;
    const g = globalThis as unknown as {
      ktSourceBuffers: { op: string; type: string }[];
      MediaSource: { prototype: Proto };
      SourceBuffer: { prototype: Proto };
    };
    g.ktSourceBuffers = [];
    const wrap = (proto: Proto, name: string, op: string) => {
      const original = proto[name]!;
      proto[name] = function (this: unknown, type: string) {
        g.ktSourceBuffers.push({ op, type });
        return original.call(this, type);
      };
    };
    wrap(g.MediaSource.prototype, 'addSourceBuffer', 'add');
    wrap(g.SourceBuffer.prototype, 'changeType', 'changeType');
  });
  const videoDecoders: string[] = [];
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Media.playerPropertiesChanged', (event) => {
    for (const p of event.properties)
      if (p.name === 'kVideoDecoderName') videoDecoders.push(p.value);
  });
  await cdp.send('Media.enable');
  return {
    sourceBuffers: () =>
      page.evaluate(
        () =>
          (
            globalThis as unknown as {
              ktSourceBuffers: { op: 'add' | 'changeType'; type: string }[];
            }
          ).ktSourceBuffers,
      ),
    videoDecoders,
  };
}

/** Whether this browser's MediaSource takes each codec string as MP4 video. */
export function mediaSourceSupport(page: Page, codecs: readonly string[]) {
  return page.evaluate(
    (list) =>
      list.map((c) =>
        (
          globalThis as unknown as {
            MediaSource: { isTypeSupported(type: string): boolean };
          }
        ).MediaSource.isTypeSupported(`video/mp4; codecs="${c}"`),
      ),
    codecs,
  );
}

/** The video element's decoded-frame count, error, clock and buffered ranges. */
export function videoState(page: Page) {
  return page.evaluate(() => {
    const video = (
      globalThis as unknown as {
        document: {
          getElementById(id: string): {
            error: { message: string } | null;
            getVideoPlaybackQuality(): { totalVideoFrames: number };
            currentTime: number;
            paused: boolean;
            ended: boolean;
            buffered: { length: number; start(i: number): number; end(i: number): number };
          };
        };
      }
    ).document.getElementById('video');
    const buffered: [number, number][] = [];
    for (let i = 0; i < video.buffered.length; i++)
      buffered.push([video.buffered.start(i), video.buffered.end(i)]);
    return {
      frames: video.getVideoPlaybackQuality().totalVideoFrames,
      error: video.error?.message ?? null,
      time: video.currentTime,
      paused: video.paused,
      ended: video.ended,
      buffered,
    };
  });
}

/** Waits until the video element's clock passes `seconds`. */
export async function playsPast(page: Page, seconds: number, timeout = 30_000): Promise<void> {
  await page.waitForFunction(
    (t) =>
      (
        globalThis as unknown as {
          document: { getElementById(id: string): { currentTime: number } };
        }
      ).document.getElementById('video').currentTime > t,
    seconds,
    { timeout },
  );
}
