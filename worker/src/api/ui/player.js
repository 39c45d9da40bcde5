// The control API's page, its player: plays a finished job's HLS ladder with hls.js, and lets
// a person pick a rendition or subtitles. Plain browser JavaScript, served as is; the page
// (app.js) calls window.ktPlayerUi.play. `debug` in the URL fragment (/#debug) turns on
// hls.js's own log in the browser's console.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const debug = new URLSearchParams(location.hash.slice(1)).has('debug');
  let hls;
  // What the page saw, for people and for the browser test.
  const state = (window.ktPlayer = {
    jobId: null,
    levels: [],
    switches: [],
    subtitles: [],
    cues: [],
    errors: [],
  });

  /** A rendition's name on the page: its height, and its codec when not H.264 (360p AV1). */
  const CODEC_NAMES = { hvc1: 'HEVC', hev1: 'HEVC', av01: 'AV1', vp09: 'VP9' };
  const label = (level) => {
    const family = String(level.videoCodec || '').split('.')[0];
    return CODEC_NAMES[family] ? `${level.height}p ${CODEC_NAMES[family]}` : `${level.height}p`;
  };

  function play(jobId, path) {
    if (hls) hls.destroy();
    Object.assign(state, { jobId, levels: [], switches: [], subtitles: [], cues: [], errors: [] });
    $('player').hidden = false;
    $('playing').textContent = jobId;
    $('switches').replaceChildren();
    const video = $('video');
    if (!window.Hls || !window.Hls.isSupported()) {
      state.errors.push('this browser has no Media Source Extensions');
      return;
    }
    const token = sessionStorage.getItem('kt-token');
    hls = new window.Hls({
      // The outputs are read through the API, which needs the token on every request.
      xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${token}`),
      debug,
    });
    hls.on(window.Hls.Events.MANIFEST_PARSED, (_event, data) => {
      state.levels = data.levels.map((l) => ({
        height: l.height,
        width: l.width,
        bitrate: l.bitrate,
        codecs: [l.videoCodec, l.audioCodec].filter(Boolean).join(','),
      }));
      const select = $('levels');
      select.replaceChildren(select.options[0]);
      data.levels.forEach((l, i) => {
        const option = document.createElement('option');
        option.value = String(i);
        option.textContent = `${label(l)} · ${Math.round(l.bitrate / 1000)} kb/s`;
        select.append(option);
      });
      void video.play();
    });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      const level = hls.levels[data.level];
      const text = `${label(level)} (${Math.round(level.bitrate / 1000)} kb/s)`;
      state.switches.push({ level: data.level, height: level.height, at: video.currentTime });
      $('level').textContent = text;
      const item = document.createElement('li');
      item.textContent = `${video.currentTime.toFixed(1)} s → ${text}`;
      $('switches').append(item);
    });
    hls.on(window.Hls.Events.SUBTITLE_TRACKS_UPDATED, (_event, data) => {
      state.subtitles = data.subtitleTracks.map((t) => ({ name: t.name, lang: t.lang || null }));
      const select = $('subtitles');
      select.replaceChildren(select.options[0]);
      data.subtitleTracks.forEach((t, i) => {
        const option = document.createElement('option');
        option.value = String(i);
        option.textContent = t.lang ? `${t.name} (${t.lang})` : t.name;
        select.append(option);
      });
    });
    watchCues(video);
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) state.errors.push(`${data.type}: ${data.details}`);
    });
    hls.loadSource(`/jobs/${encodeURIComponent(jobId)}/outputs/${path}`);
    hls.attachMedia(video);
  }

  $('levels').addEventListener('change', (event) => {
    if (hls) hls.currentLevel = Number(event.target.value);
  });
  $('subtitles').addEventListener('change', (event) => {
    if (!hls) return;
    hls.subtitleDisplay = true;
    hls.subtitleTrack = Number(event.target.value);
  });

  // The cues of the track on screen, as the browser has them (one reader, whatever the track).
  function watchCues(video) {
    if (video.ktWatching) return;
    video.ktWatching = setInterval(() => {
      const shown = Array.from(video.textTracks).find((t) => t.mode === 'showing');
      if (!shown || !shown.cues || shown.cues.length === 0) return;
      state.cues = Array.from(shown.cues).map((c) => ({
        start: c.startTime,
        end: c.endTime,
        text: c.text,
      }));
    }, 250);
  }

  window.ktPlayerUi = { play };
})();
