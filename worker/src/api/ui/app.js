// The control API's page: lists jobs, uploads a file as a job, and plays a finished job's
// ladder with the player (player.js).
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

  const api = async (path, method = 'GET', body = undefined) => {
    const response = await fetch(path, {
      method,
      headers: {
        Authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (response.status === 401) {
      $('login').hidden = false;
      throw new Error('a valid bearer token is required');
    }
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      throw new Error(problem.detail || `${path}: HTTP ${response.status}`);
    }
    return response.status === 204 ? undefined : response.json();
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

  // The master playlist under the job's output: the final one, or a running job's growing one.
  const masterPath = (job) => {
    const master =
      job.status === 'SUCCEEDED'
        ? job.result && job.result.master
        : job.playable && job.playable.master;
    const output = job.status === 'SUCCEEDED' ? job.result && job.result.output : job.output;
    if (!master || !output || (job.status !== 'SUCCEEDED' && job.status !== 'RUNNING')) return null;
    return master.startsWith(output) ? master.slice(output.length) : null;
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
              ? `${job.progress.stage || ''} ${Math.round(job.progress.percent)}%${job.playable ? ' · playable' : ''}`
              : '';
          row.append(
            cell(job.jobId),
            cell(job.status, job.status),
            cell(progress),
            cell(renditions || (job.error ? job.error.code : '')),
            cell(new Date(job.createdAt).toLocaleTimeString()),
          );
          if (job.jobId === upload.jobId) {
            row.classList.add('mine');
            // The video this page uploaded plays by itself once it is ready.
            if (!upload.played && masterPath(job)) {
              upload.played = true;
              window.ktPlayerUi.play(job.jobId, masterPath(job));
            }
          }
          const warnings = (job.result && job.result.warnings) || [];
          if (job.error) row.title = `${job.error.code}: ${job.error.message}`;
          if (warnings.length > 0) row.lastChild.previousSibling.textContent += ' ⚠';
          const path = masterPath(job);
          if (path) {
            row.classList.add('playable');
            const what =
              job.status === 'RUNNING' ? 'play what is transcoded so far' : 'play the HLS ladder';
            row.title = [what, ...warnings].join('\n');
            row.addEventListener('click', () => window.ktPlayerUi.play(job.jobId, path));
          }
          return row;
        }),
      );
      $('error').textContent = '';
    } catch (err) {
      $('error').textContent = String(err.message || err);
    }
  }

  // Uploads: a picked or dropped file goes straight to S3 (one presigned PUT, or the parts of a
  // multipart upload, four at a time, each tried three times), then becomes a job. A part that
  // fails every try pauses the upload: Resume sends what is missing, Cancel aborts it.
  const upload = (window.ktUpload = {
    state: 'idle',
    name: '',
    bytes: 0,
    total: 0,
    parts: [],
    input: null,
    jobId: null,
    played: false,
    error: null,
  });
  let current = null; // the multipart upload being sent: { created, urls, etags, active }

  const putBytes = (url, blob, headers, onProgress) =>
    new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('PUT', url);
      for (const [k, v] of Object.entries(headers)) xhr.setRequestHeader(k, v);
      xhr.upload.onprogress = (e) => onProgress(e.loaded);
      xhr.onload = () =>
        xhr.status >= 200 && xhr.status < 300
          ? resolve(xhr.getResponseHeader('ETag') || '')
          : reject(new Error(`HTTP ${xhr.status}`));
      xhr.onerror = () => reject(new Error('the connection failed'));
      xhr.send(blob);
    });
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  function showUpload() {
    $('uploading').hidden = upload.state === 'idle';
    $('upload-name').textContent = upload.name;
    const percent = upload.total ? Math.floor((upload.bytes / upload.total) * 100) : 0;
    $('upload-bar').value = percent;
    const mb = (n) => (n / 1e6).toFixed(1);
    $('upload-text').textContent =
      {
        uploading: `${mb(upload.bytes)} of ${mb(upload.total)} MB (${percent}%)`,
        paused: `paused at ${percent}%: ${upload.error}`,
        enqueued: `uploaded; job ${upload.jobId}`,
        failed: `failed: ${upload.error}`,
      }[upload.state] || '';
    $('upload-resume').hidden = upload.state !== 'paused';
    $('upload-cancel').hidden = upload.state !== 'paused' && upload.state !== 'uploading';
    const list = $('upload-parts');
    if (list.children.length !== upload.parts.length) {
      list.replaceChildren(...upload.parts.map(() => document.createElement('li')));
    }
    upload.parts.forEach((p, i) => {
      list.children[i].className = p.state;
      list.children[i].title = `part ${i + 1}: ${p.state}`;
    });
  }

  async function startUpload(file) {
    if (upload.state === 'uploading') return;
    Object.assign(upload, {
      state: 'uploading',
      name: file.name,
      bytes: 0,
      total: file.size,
      parts: [],
      input: null,
      jobId: null,
      played: false,
      error: null,
    });
    current = null;
    showUpload();
    try {
      const created = await api('/uploads', 'POST', {
        filename: file.name,
        contentType: file.type || 'application/octet-stream',
        size: file.size,
      });
      if (created.kind === 'multipart') {
        current = { file, created, urls: new Map(), etags: [] };
        for (const p of created.parts) current.urls.set(p.partNumber, p);
        upload.parts = Array.from({ length: created.partCount }, (_, i) => ({
          state: 'pending',
          size: Math.min(created.size, (i + 1) * created.partSize) - i * created.partSize,
          sent: 0,
        }));
        await sendParts();
      } else {
        upload.parts = [{ state: 'sending', size: file.size, sent: 0 }];
        const headers = { 'Content-Type': created.headers['Content-Type'] };
        await retry(() => putBytes(created.url, file, headers, (sent) => progress(0, sent)));
        upload.parts[0].state = 'done';
        await enqueue(created.input);
      }
    } catch (err) {
      upload.state = 'failed';
      upload.error = String(err.message || err);
    }
    showUpload();
  }

  function progress(i, sent) {
    upload.parts[i].sent = sent;
    upload.bytes = upload.parts.reduce((sum, p) => sum + (p.state === 'done' ? p.size : p.sent), 0);
    showUpload();
  }

  async function retry(run, tries = 3) {
    for (let i = 1; ; i++) {
      try {
        return await run(i);
      } catch (err) {
        if (i >= tries) throw err;
        await wait(500 * 2 ** (i - 1));
      }
    }
  }

  async function urlFor(n, fresh) {
    const { created, urls } = current;
    if (fresh || !urls.has(n)) {
      const batch = await api(
        `/uploads/${created.uploadId}/parts?from=${n}&count=${fresh ? 1 : 100}`,
      );
      for (const p of batch.parts) urls.set(p.partNumber, p);
    }
    return urls.get(n);
  }

  async function sendParts() {
    const { created, file, etags } = current;
    upload.state = 'uploading';
    upload.error = null;
    showUpload();
    const queue = upload.parts.map((p, i) => i).filter((i) => upload.parts[i].state !== 'done');
    let failure = null;
    const worker = async () => {
      while (queue.length > 0 && !failure && upload.state === 'uploading') {
        const i = queue.shift();
        const part = upload.parts[i];
        part.state = 'sending';
        showUpload();
        try {
          etags[i] = await retry(async (attempt) => {
            const p = await urlFor(i + 1, attempt > 1);
            progress(i, 0);
            return putBytes(p.url, file.slice(p.start, p.end), {}, (sent) => progress(i, sent));
          });
          part.state = 'done';
          progress(i, part.size);
        } catch (err) {
          part.state = 'failed';
          failure =
            failure || `part ${i + 1} of ${created.partCount} failed 3 times: ${err.message}`;
        }
      }
    };
    await Promise.all([worker(), worker(), worker(), worker()]);
    if (upload.state !== 'uploading') return; // cancelled meanwhile
    if (failure) {
      upload.state = 'paused';
      upload.error = failure;
      showUpload();
      return;
    }
    const done = await api(created.links.complete, 'POST', {
      parts: etags.map((etag, i) => ({ partNumber: i + 1, etag })),
    });
    await enqueue(done.input);
  }

  async function enqueue(input) {
    const job = await api('/jobs', 'POST', { version: 1, input, thumbnails: true });
    Object.assign(upload, { state: 'enqueued', input, jobId: job.jobId, bytes: upload.total });
    showUpload();
    void refresh();
  }

  $('upload-resume').addEventListener('click', () => {
    if (current && upload.state === 'paused') {
      void sendParts().catch((err) => {
        upload.state = 'failed';
        upload.error = String(err.message || err);
        showUpload();
      });
    }
  });
  $('upload-cancel').addEventListener('click', () => {
    const abort = current ? api(current.created.links.abort, 'DELETE') : Promise.resolve();
    upload.state = 'failed';
    upload.error = 'cancelled; nothing was kept';
    showUpload();
    void abort.catch(() => undefined);
  });
  $('file').addEventListener('change', (event) => {
    const file = event.target.files[0];
    if (file) void startUpload(file);
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.className = 'over';
  });
  drop.addEventListener('dragleave', () => (drop.className = ''));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.className = '';
    const file = event.dataTransfer.files[0];
    if (file) void startUpload(file);
  });

  void refresh();
  setInterval(() => void refresh(), 2000);
})();
