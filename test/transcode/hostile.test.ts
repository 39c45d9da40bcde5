import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidMediaError } from '../../worker/src/base/errors.ts';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { runFfprobe } from '../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { cencEncrypted, undecodableVideo } from '../support/device-clips.ts';
import { makeClip } from '../support/clips.ts';
import { createTestEnv, ROOT, type TestEnv } from '../support/env.ts';
import { PRODUCT_FFMPEG, PRODUCT_FFPROBE } from '../support/media-tools.ts';

const exec = promisify(execFile);
const HOSTILE = join(ROOT, '.local', 'hostile');
const TRACES = join(HOSTILE, 'traces');
/** A file outside every job directory that a hostile source points at. */
const CANARY = join(HOSTILE, 'canary.ts');
/** Where a process may legitimately open files: its job directory, and these. */
const SYSTEM = [
  '/lib/',
  '/lib64/',
  '/usr/lib/',
  '/usr/lib64/',
  '/etc/ld.so.cache',
  '/etc/gcrypt/',
  '/proc/',
  '/sys/',
  '/dev/',
];

interface Trace {
  readonly opened: string[];
  readonly network: string[];
}

/** ffmpeg and ffprobe under strace, so the test sees every file they open and every socket. */
function tracingWrapper(tool: 'ffmpeg' | 'ffprobe', dir: string): string {
  const path = join(HOSTILE, 'bin', tool);
  mkdirSync(join(HOSTILE, 'bin'), { recursive: true });
  writeFileSync(
    path,
    `#!/bin/sh\nexec strace -f -qq -e trace=open,openat,connect,socket -o "${dir}/${tool}.$$.trace" ${tool === 'ffmpeg' ? PRODUCT_FFMPEG : PRODUCT_FFPROBE} "$@"\n`,
  );
  chmodSync(path, 0o755);
  return path;
}

function readTraces(dir: string): Trace {
  const opened: string[] = [];
  const network: string[] = [];
  for (const file of readdirSync(dir)) {
    for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) {
      const open = /open(?:at)?\((?:AT_FDCWD, )?"([^"]+)"/.exec(line);
      if (open) opened.push(open[1]!);
      if (/\b(connect|socket)\(/.test(line) && !/AF_UNIX|AF_LOCAL/.test(line))
        network.push(line.trim());
    }
  }
  return { opened, network };
}

function outside(trace: Trace, jobDir: string): string[] {
  return trace.opened.filter(
    (p) =>
      !(
        p.startsWith(jobDir) ||
        SYSTEM.some((s) => p.startsWith(s)) ||
        (!p.startsWith('/') && !p.includes('..'))
      ),
  );
}

interface HostileCase {
  readonly name: string;
  /** The object key (its extension is what a client would choose). */
  readonly key: string;
  readonly body: () => Buffer | Promise<Buffer>;
  readonly reason: RegExp;
  readonly env?: Record<string, string>;
}

describe('hostile and broken sources', () => {
  let env: TestEnv;
  let canaryServer: Server;
  let canaryHits = 0;
  let canaryUrl = '';

  beforeAll(async () => {
    env = await createTestEnv('hostile');
    rmSync(HOSTILE, { recursive: true, force: true });
    mkdirSync(TRACES, { recursive: true });
    execFileSync('ffmpeg', [
      '-v',
      'error',
      '-i',
      await makeClip({ seconds: 2, width: 160, height: 90 }),
      '-c',
      'copy',
      '-f',
      'mpegts',
      '-y',
      CANARY,
    ]);
    canaryServer = createServer((_req, res) => {
      canaryHits++;
      res.end('x');
    });
    await new Promise<void>((resolve) => canaryServer.listen(0, '127.0.0.1', resolve));
    canaryUrl = `http://127.0.0.1:${(canaryServer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => canaryServer.close(resolve));
    env.destroy();
  });

  const text = (s: string) => () => Promise.resolve(Buffer.from(s));
  const file = (path: () => Promise<string>) => async () => readFileSync(await path());
  /** An HLS media playlist whose segments are the given URLs. */
  const playlistOf = (...urls: string[]) =>
    [
      '#EXTM3U',
      '#EXT-X-VERSION:3',
      '#EXT-X-TARGETDURATION:10',
      ...urls.flatMap((url) => ['#EXTINF:10.0,', url]),
      '#EXT-X-ENDLIST',
      '',
    ].join('\n');
  const playlist = () =>
    playlistOf(
      `file://${CANARY}`,
      'file:///etc/passwd',
      'http://169.254.169.254/latest/meta-data/iam/security-credentials/x.ts',
      `${canaryUrl}/segment.ts`,
    );
  // ffmpeg's own HLS checks refuse the list above (a segment without a media extension), but
  // not this one: unguarded, ffmpeg reads a file outside the job (see the control below).
  const innocentPlaylist = () => playlistOf(`file://${CANARY}`, `${canaryUrl}/segment.ts`);
  const clip = (spec: Parameters<typeof makeClip>[0]) => makeClip(spec);
  const tmp = (name: string) => join(HOSTILE, name);
  /** A file ffmpeg makes (`-y <name>` is appended); inputs may be awaited clips. */
  const made =
    (name: string, ...args: (string | Promise<string>)[]) =>
    async (): Promise<Buffer> => {
      const out = tmp(name);
      const resolved = await Promise.all(args.map((a) => Promise.resolve(a)));
      execFileSync('ffmpeg', ['-v', 'error', ...resolved, '-y', out]);
      return readFileSync(out);
    };

  const CASES: HostileCase[] = [
    {
      name: 'an HLS playlist pointing at /etc/passwd, a local file and the metadata service',
      key: 'in/playlist.m3u8',
      body: () => Promise.resolve(Buffer.from(playlist())),
      reason: /is an HLS playlist, not a video container/,
    },
    {
      name: 'an HLS playlist of .ts segments outside the job, which plain ffmpeg would follow',
      key: 'in/innocent',
      body: () => Promise.resolve(Buffer.from(innocentPlaylist())),
      reason: /is an HLS playlist, not a video container/,
    },
    {
      name: 'the same playlist named .mp4',
      key: 'in/holiday.mp4',
      body: () => Promise.resolve(Buffer.from(playlist())),
      reason: /is an HLS playlist, not a video container/,
    },
    {
      name: 'an ffconcat list',
      key: 'in/list.txt',
      body: text(`ffconcat version 1.0\nfile '/etc/passwd'\nfile '${CANARY}'\n`),
      reason: /is an ffconcat list, not a video container/,
    },
    {
      name: 'an SDP file pointing at the metadata service',
      key: 'in/stream.sdp',
      body: text(
        'v=0\no=- 0 0 IN IP4 169.254.169.254\ns=x\nc=IN IP4 169.254.169.254\nt=0 0\nm=video 5004 RTP/AVP 96\na=rtpmap:96 H264/90000\n',
      ),
      reason: /is an SDP stream description, not a video container/,
    },
    {
      name: 'a PNG image',
      key: 'in/photo.png',
      body: made('photo.png', '-f', 'lavfi', '-i', 'testsrc2=size=320x240', '-frames:v', '1'),
      reason: /is a PNG image, not a video container/,
    },
    {
      name: 'an animated GIF',
      key: 'in/funny.gif',
      body: made('funny.gif', '-f', 'lavfi', '-i', 'testsrc2=size=160x120:duration=1'),
      reason: /is a GIF image, not a video container/,
    },
    {
      name: 'a text file renamed .mp4',
      key: 'in/notes.mp4',
      body: text('Meeting notes: transcode the launch video by Friday.\n'.repeat(50)),
      reason: /not a readable media file: it has no MP4 index \(moov box\)/,
    },
    {
      name: 'a zero-byte file',
      key: 'in/empty.mp4',
      body: text(''),
      reason: /^the source is an empty file \(0 bytes\)$/,
    },
    {
      name: 'a truncated MP4 (index at the front, half the media missing)',
      key: 'in/truncated-faststart.mp4',
      body: async () => {
        const whole = await made(
          'faststart.mp4',
          '-i',
          clip({ seconds: 8, width: 320, height: 180 }),
          '-c',
          'copy',
          '-movflags',
          '+faststart',
        )();
        return whole.subarray(0, Math.floor(whole.length / 2));
      },
      reason:
        /the source is truncated or damaged: only [\d.]+ s of its 8\.0 s of video could be decoded/,
    },
    {
      name: 'a truncated MP4 (index at the end, cut off)',
      key: 'in/truncated.mp4',
      body: async () => {
        const whole = readFileSync(await clip({ seconds: 8, width: 320, height: 180 }));
        return whole.subarray(0, Math.floor(whole.length / 2));
      },
      reason: /not a readable media file: it has no MP4 index \(moov box\)/,
    },
    {
      name: 'audio only',
      key: 'in/podcast.m4a',
      body: made('podcast.m4a', '-f', 'lavfi', '-i', 'sine=duration=2', '-c:a', 'aac'),
      reason: /the source has audio but no video stream/,
    },
    {
      name: 'a CENC-encrypted MP4',
      key: 'in/protected.mp4',
      body: file(() => cencEncrypted()),
      reason:
        /^the source is encrypted \(DRM\) \(Common Encryption, cenc\) and cannot be transcoded/,
    },
    {
      name: 'an MP4 whose video bitstream is noise',
      key: 'in/noise.mp4',
      body: file(() => undecodableVideo()),
      reason: /^the source cannot be decoded: no frame of its h264 video could be decoded/,
    },
    {
      name: 'dimensions over the limit',
      key: 'in/big.mp4',
      body: file(() => clip({ seconds: 2, width: 640, height: 360 })),
      env: { MAX_DIMENSION: '480' },
      reason: /the source is 640x360; the limit is 480 pixels on either side/,
    },
    {
      name: 'duration over the limit',
      key: 'in/long.mp4',
      body: file(() => clip({ seconds: 3, width: 160, height: 90 })),
      env: { MAX_DURATION_SECONDS: '2' },
      reason: /the source is 3 s long; the limit is 2 s/,
    },
    {
      name: 'frame rate over the limit',
      key: 'in/fast.mp4',
      body: file(() => clip({ seconds: 1, width: 160, height: 90, fps: 60 })),
      env: { MAX_FRAME_RATE: '50' },
      reason: /the source runs at 60\.00 fps; the limit is 50 fps/,
    },
    {
      name: 'a source over the size limit',
      key: 'in/huge.mp4',
      body: file(() => clip({ seconds: 2, width: 160, height: 90 })),
      env: { MAX_INPUT_BYTES: '1000' },
      reason: /the source is \d+ bytes; the limit is 1000 \(MAX_INPUT_BYTES\)/,
    },
  ];

  it(`refuses ${CASES.length} hostile or broken sources: FAILED, in the DLQ at once, nothing read outside the job`, async () => {
    for (const [i, c] of CASES.entries()) {
      const jobId = `hostile-${i}`;
      const traces = join(TRACES, jobId);
      mkdirSync(traces, { recursive: true });
      const input = `s3://${env.resources.bucket}/${c.key}`;
      const body = await c.body();
      const path = tmp(`upload-${i}`);
      writeFileSync(path, body);
      await env.putSource(c.key, path);
      await env.send({ version: 1, jobId, input });

      const outcome = await env.runWorker({
        FFMPEG_PATH: tracingWrapper('ffmpeg', traces),
        FFPROBE_PATH: tracingWrapper('ffprobe', traces),
        ...c.env,
      });
      expect(outcome, c.name).toEqual({ kind: 'handled', outcome: 'dead-lettered' });
      const record = await env.record(jobId);
      expect(record?.status, c.name).toBe('FAILED');
      expect(record?.attempts, c.name).toBe(1);
      expect(record?.error?.retryable, c.name).toBe(false);
      expect(record?.error?.message, c.name).toMatch(c.reason);
      const [dead, ...more] = await env.drainDeadLetters();
      expect(more, c.name).toEqual([]);
      expect(dead?.attributes[DLQ_ATTRIBUTES.jobId], c.name).toBe(jobId);
      expect(dead?.attributes[DLQ_ATTRIBUTES.reason], c.name).toMatch(c.reason);

      const trace = readTraces(traces);
      expect(
        trace.opened.filter((p) => p.includes('passwd') || p.includes('canary')),
        c.name,
      ).toEqual([]);
      expect(outside(trace, join(env.workDir, jobId)), c.name).toEqual([]);
      expect(trace.network, c.name).toEqual([]);
    }
    expect(canaryHits).toBe(0);
    expect(await env.depth()).toEqual({ visible: 0, inFlight: 0, delayed: 0 });
  });

  it('the second line: ffprobe with the input guard alone (no sniffing in front) refuses each playlist, list and description, opening nothing it names', async () => {
    const dir = join(TRACES, 'guard-only');
    mkdirSync(dir, { recursive: true });
    const bodies = {
      'playlist.m3u8': playlist(),
      innocent: innocentPlaylist(),
      'list.txt': `ffconcat version 1.0\nfile '/etc/passwd'\nfile '${CANARY}'\n`,
      'stream.sdp':
        'v=0\no=- 0 0 IN IP4 169.254.169.254\ns=x\nc=IN IP4 169.254.169.254\nt=0 0\nm=video 5004 RTP/AVP 96\n',
    };
    for (const [name, body] of Object.entries(bodies)) {
      const file = tmp(`guard-${name}`);
      writeFileSync(file, body);
      await expect(
        runFfprobe(
          { ffmpegPath: PRODUCT_FFMPEG, ffprobePath: tracingWrapper('ffprobe', dir) },
          file,
        ),
        name,
      ).rejects.toBeInstanceOf(InvalidMediaError);
    }
    const trace = readTraces(dir);
    expect(trace.opened.filter((p) => p.includes('passwd') || p.includes('canary'))).toEqual([]);
    expect(trace.network).toEqual([]);
  });

  it('(control) without the guard, ffprobe follows the playlist to a file outside the job', async () => {
    // Shows the trace above would see the read if it happened.
    const dir = join(TRACES, 'control');
    mkdirSync(dir, { recursive: true });
    const list = tmp('control-playlist');
    writeFileSync(list, innocentPlaylist());
    await exec('strace', [
      '-f',
      '-qq',
      '-e',
      'trace=open,openat',
      '-o',
      join(dir, 'ffprobe.trace'),
      'ffprobe',
      '-v',
      'quiet',
      list,
    ]).catch(() => undefined);
    expect(readTraces(dir).opened.some((p) => p.endsWith('canary.ts'))).toBe(true);
    expect(statSync(CANARY).size).toBeGreaterThan(0);
  });
});
