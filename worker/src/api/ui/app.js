// The control API's page: lists jobs and plays a finished job's HLS ladder with hls.js.
// Plain browser JavaScript, served as is. The bearer token comes from the URL fragment
// (#token=..., never sent to the server in the URL) or the form, and is kept in this tab.
'use strict';

(function () {
  const $ = (id) => document.getElementById(id);
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) {
    sessionStorage.setItem('kt-token', fromHash);
    history.replaceState(null, '', location.pathname);
  }
  let token = sessionStorage.getItem('kt-token');
  let hls;
  // What the page saw, for people and for the browser test.
  const state = (window.ktPlayer = { jobId: null, levels: [], switches: [], errors: [] });

  const api = async (path) => {
    const response = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
    if (response.status === 401) {
      $('login').hidden = false;
      throw new Error('a valid bearer token is required');
    }
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    return response.json();
  };

  $('login').addEventListener('submit', (event) => {
    event.preventDefault();
    token = $('token').value.trim();
    sessionStorage.setItem('kt-token', token);
    $('login').hidden = true;
    void refresh();
  });

  const cell = (text, className) => {
    const td = document.createElement('td');
    td.textContent = text;
    if (className) td.className = className;
    return td;
  };

  const masterPath = (job) => {
    const result = job.result;
    if (!result || !result.master || !result.output) return null;
    return result.master.startsWith(result.output)
      ? result.master.slice(result.output.length)
      : null;
  };

  async function refresh() {
    if (!token) {
      $('login').hidden = false;
      return;
    }
    try {
      const [page, stats] = await Promise.all([api('/jobs?limit=50'), api('/jobs/stats')]);
      $('stats').textContent =
        `succeeded ${stats.succeeded} · failed ${stats.failed} · running ${stats.running} · ` +
        `retries ${stats.retries} · queue ${stats.queue.visible + stats.queue.inFlight} · DLQ ${stats.deadLetterQueue.visible}`;
      const body = $('jobs').querySelector('tbody');
      body.replaceChildren(
        ...page.items.map((job) => {
          const row = document.createElement('tr');
          row.dataset.jobId = job.jobId;
          const renditions = job.result ? job.result.renditions.map((r) => r.name).join(' ') : '';
          const progress =
            job.status === 'RUNNING' && job.progress
              ? `${job.progress.stage || ''} ${Math.round(job.progress.percent)}%`
              : '';
          row.append(
            cell(job.jobId),
            cell(job.status, job.status),
            cell(progress),
            cell(renditions || (job.error ? job.error.code : '')),
            cell(new Date(job.createdAt).toLocaleTimeString()),
          );
          const warnings = (job.result && job.result.warnings) || [];
          if (job.error) row.title = `${job.error.code}: ${job.error.message}`;
          if (warnings.length > 0) row.lastChild.previousSibling.textContent += ' ⚠';
          const path = masterPath(job);
          if (job.status === 'SUCCEEDED' && path) {
            row.className = 'playable';
            row.title = ['play the HLS ladder', ...warnings].join('\n');
            row.addEventListener('click', () => play(job.jobId, path));
          }
          return row;
        }),
      );
      $('error').textContent = '';
    } catch (err) {
      $('error').textContent = String(err.message || err);
    }
  }

  function play(jobId, path) {
    if (hls) hls.destroy();
    Object.assign(state, { jobId, levels: [], switches: [], errors: [] });
    $('player').hidden = false;
    $('playing').textContent = jobId;
    $('switches').replaceChildren();
    const video = $('video');
    if (!window.Hls || !window.Hls.isSupported()) {
      state.errors.push('this browser has no Media Source Extensions');
      return;
    }
    hls = new window.Hls({
      // The outputs are read through the API, which needs the token on every request.
      xhrSetup: (xhr) => xhr.setRequestHeader('Authorization', `Bearer ${token}`),
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
        option.textContent = `${l.height}p · ${Math.round(l.bitrate / 1000)} kb/s`;
        select.append(option);
      });
      void video.play();
    });
    hls.on(window.Hls.Events.LEVEL_SWITCHED, (_event, data) => {
      const level = hls.levels[data.level];
      const label = `${level.height}p (${Math.round(level.bitrate / 1000)} kb/s)`;
      state.switches.push({ level: data.level, height: level.height, at: video.currentTime });
      $('level').textContent = label;
      const item = document.createElement('li');
      item.textContent = `${video.currentTime.toFixed(1)} s → ${label}`;
      $('switches').append(item);
    });
    hls.on(window.Hls.Events.ERROR, (_event, data) => {
      if (data.fatal) state.errors.push(`${data.type}: ${data.details}`);
    });
    hls.loadSource(`/jobs/${encodeURIComponent(jobId)}/outputs/${path}`);
    hls.attachMedia(video);
  }

  $('levels').addEventListener('change', (event) => {
    if (hls) hls.currentLevel = Number(event.target.value);
  });

  window.ktPlay = play;
  void refresh();
  setInterval(() => void refresh(), 2000);
})();
