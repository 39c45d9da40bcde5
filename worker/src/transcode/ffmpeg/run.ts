import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import {
  InsufficientStorageError,
  InterruptedError,
  InvalidMediaError,
  MissingDecoderError,
  TranscodeFailedError,
} from '../../base/errors.ts';
import type { FfmpegInvocation } from '../encode/ladder-run.ts';
import { INPUT_GUARD } from './input-guard.ts';
import { classifyFfmpegFailure } from './failure.ts';
import type { PacketSpan } from '../source/duration.ts';
import type { ProbeJson } from '../source/probe.ts';
import { ProgressParser, type Progress } from './progress.ts';

/**
 * The one adapter around ffmpeg and ffprobe. fluent-ffmpeg (the user's choice) runs ffmpeg
 * from an invocation built by pure functions; ffprobe runs as a plain argv so its JSON is read
 * whole. Stopping sends SIGTERM, waits, then SIGKILL.
 */
export interface FfmpegPaths {
  readonly ffmpegPath: string;
  readonly ffprobePath: string;
}

const KILL_GRACE_MS = 3000;
const STDERR_TAIL_LINES = 12;
const PROBE_TIMEOUT_MS = 60_000;

/** The fluent-ffmpeg command for an invocation; its argv is exactly `toArgv(inv)` (tested). */
export function fluentCommand(paths: FfmpegPaths, inv: FfmpegInvocation): FfmpegCommand {
  const command = ffmpeg({ cwd: inv.cwd, stdoutLines: 200 })
    .setFfmpegPath(paths.ffmpegPath)
    .input(inv.input)
    .inputOptions([...inv.inputOptions]);
  for (const more of inv.moreInputs ?? [])
    command.input(more.input).inputOptions([...more.options]);
  if (inv.complexFilter) command.complexFilter(inv.complexFilter);
  for (const output of inv.outputs) {
    command.output(output.target).outputOptions([...output.options]);
  }
  // fluent-ffmpeg runs `ffmpeg -formats` and `ffmpeg -encoders` before every command (to check
  // -f and codec options, and to add `-strict experimental` after -acodec/-vcodec, which these
  // arguments never use), caching the answers per process: with one job per process, two extra
  // ffmpeg starts (0.2 s) on every job. The arguments are ours, pinned by tests against the
  // ffmpeg the image ships, and ffmpeg names a missing muxer or encoder itself. Tested: a
  // transcode starts ffmpeg once.
  const internals = command as unknown as {
    _checkCapabilities: (cb: (err?: Error) => void) => void;
    availableEncoders: (cb: (err: Error | null, encoders: object) => void) => void;
  };
  internals._checkCapabilities = (cb) => cb();
  internals.availableEncoders = (cb) => cb(null, {});
  return command;
}

export interface RunOptions {
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: Progress) => void;
  readonly onStart?: (commandLine: string) => void;
}

export async function runFfmpeg(
  paths: FfmpegPaths,
  inv: FfmpegInvocation,
  options: RunOptions = {},
): Promise<void> {
  const { signal } = options;
  signal?.throwIfAborted();
  await Promise.all(inv.directories.map((d) => mkdir(join(inv.cwd, d), { recursive: true })));

  const command = fluentCommand(paths, inv);

  await new Promise<void>((resolve, reject) => {
    let killTimer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      command.kill('SIGTERM');
      killTimer = setTimeout(() => command.kill('SIGKILL'), KILL_GRACE_MS);
      killTimer.unref();
    };
    const cleanup = () => {
      signal?.removeEventListener('abort', onAbort);
      if (killTimer) clearTimeout(killTimer);
    };
    command.on('start', (commandLine: string) => {
      options.onStart?.(commandLine);
      const proc = (command as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (options.onProgress && proc?.stdout) {
        const parser = new ProgressParser(options.onProgress);
        proc.stdout.setEncoding('utf8');
        proc.stdout.on('data', (chunk: string) => parser.push(chunk));
      }
      if (signal?.aborted) onAbort();
    });
    command.on('end', () => {
      cleanup();
      resolve();
    });
    command.on('error', (err: Error, _stdout: string | null, stderr: string | null) => {
      cleanup();
      if (signal?.aborted) {
        reject(toInterrupted(signal, err));
        return;
      }
      reject(toTranscodeError(err, stderr ?? ''));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    command.run();
  });
}

/** ffprobe with local files only; a file it cannot read is invalid media (permanent). */
export async function runFfprobe(
  paths: FfmpegPaths,
  file: string,
  signal?: AbortSignal,
  options: { readonly packets?: number } = {},
): Promise<ProbeJson> {
  const args = [
    '-v',
    'error',
    ...INPUT_GUARD,
    // The first packets of every stream, for the frame-rate and duration cross-checks; reading
    // them demuxes a few hundred packets, it decodes nothing.
    ...(options.packets
      ? [
          '-read_intervals',
          `%+#${options.packets}`,
          '-show_entries',
          'format:stream:packet=stream_index,pts_time,dts_time,duration_time,flags',
        ]
      : ['-show_format', '-show_streams']),
    '-of',
    'json',
    file,
  ];
  const { stdout, stderr, error } = await new Promise<{
    stdout: string;
    stderr: string;
    error: (Error & { code?: unknown; killed?: boolean }) | null;
  }>((resolve) => {
    execFile(
      paths.ffprobePath,
      args,
      {
        cwd: dirname(file),
        maxBuffer: 16 * 1024 * 1024,
        timeout: PROBE_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      },
      (error, stdout, stderr) => resolve({ stdout, stderr, error }),
    );
  });
  if (signal?.aborted) throw toInterrupted(signal, error);
  if (error) {
    if (error.code === 'ENOENT') throw new Error(`ffprobe not found at "${paths.ffprobePath}"`);
    throw new InvalidMediaError(explainProbeFailure(stderr, error.message), { cause: error });
  }
  try {
    const json = JSON.parse(stdout) as ProbeJson;
    // What ffprobe complained about while reading (it exits 0 on a file cut short).
    const complaints = stderr.trim().split('\n').filter(Boolean).slice(-20);
    return complaints.length > 0 ? { ...json, readErrors: complaints } : json;
  } catch (err) {
    throw new InvalidMediaError('ffprobe returned unreadable output for the source', {
      cause: err,
    });
  }
}

/**
 * Every packet of one stream, demuxed (not decoded) and summarised as it streams by: how many,
 * the first presentation time, and the end of the last. For sources whose container duration
 * cannot be trusted; costs one read of the file.
 */
export async function scanPackets(
  paths: FfmpegPaths,
  file: string,
  streamIndex: number,
  signal?: AbortSignal,
): Promise<PacketSpan> {
  const child = spawn(
    paths.ffprobePath,
    [
      '-v',
      'error',
      ...INPUT_GUARD,
      '-select_streams',
      String(streamIndex),
      '-show_entries',
      'packet=pts_time,dts_time,duration_time,flags',
      '-of',
      'csv=p=0',
      file,
    ],
    { cwd: dirname(file), stdio: ['ignore', 'pipe', 'pipe'], ...(signal ? { signal } : {}) },
  );
  let packets = 0;
  let first = Infinity;
  let end = -Infinity;
  let stderr = '';
  const lines = createInterface({ input: child.stdout });
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 64 * 1024) stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  for await (const line of lines) {
    const [pts, dts, duration, flags] = line.split(',');
    const t = Number(pts && pts !== 'N/A' ? pts : dts);
    // D: outside the edit list, decoded only as a reference and never shown.
    if (!Number.isFinite(t) || flags?.includes('D')) continue;
    packets++;
    first = Math.min(first, t);
    end = Math.max(end, t + (Number(duration) || 0));
  }
  const code = await exited.catch((err: unknown) => {
    if (signal?.aborted) throw toInterrupted(signal, err);
    throw err;
  });
  if (signal?.aborted) throw toInterrupted(signal, undefined);
  if (code !== 0 && packets === 0) {
    throw new InvalidMediaError(explainProbeFailure(stderr, `ffprobe exited ${code}`));
  }
  if (/partial file/.test(stderr)) {
    // The index lists packets past the end of the file: the span is not the source's length.
    throw new InvalidMediaError(
      'the source is truncated: its index lists media past the end of the file',
    );
  }
  return packets === 0
    ? { packets: 0, firstSeconds: 0, endSeconds: 0 }
    : { packets, firstSeconds: first, endSeconds: end };
}

/**
 * ffmpeg's interlace detector (idet) over a sample of one video stream: its log, where it
 * prints its verdict (picture.ts reads it). Decodes `frames` frames from `atSeconds`; nothing
 * is encoded (the null muxer takes wrapped frames). A failure here is not the source's fault
 * alone: the caller goes on without the sample.
 */
export function sampleInterlacing(
  paths: FfmpegPaths,
  file: string,
  streamIndex: number,
  atSeconds: number,
  frames: number,
  signal?: AbortSignal,
): Promise<string> {
  return analysisLog(
    paths,
    file,
    [
      ...(atSeconds > 0 ? ['-ss', atSeconds.toFixed(3)] : []),
      ...INPUT_GUARD,
      ...['-i', file, '-map', `0:${streamIndex}`, '-vf', 'idet', '-frames:v', String(frames)],
      ...['-an', '-sn', '-dn', '-f', 'null', '-'],
    ],
    'idet sample',
    PROBE_TIMEOUT_MS,
    signal,
  );
}

/**
 * The first loudness pass over one audio stream (loudness.ts): decodes the audio alone, the
 * whole of it, and returns ffmpeg's log, where loudnorm prints its measurement.
 */
export function measureLoudness(
  paths: FfmpegPaths,
  file: string,
  streamIndex: number,
  filter: string,
  signal?: AbortSignal,
): Promise<string> {
  return analysisLog(
    paths,
    file,
    [
      ...INPUT_GUARD,
      ...['-i', file, '-map', `0:${streamIndex}`, '-af', filter],
      ...['-vn', '-sn', '-dn', '-f', 'null', '-'],
    ],
    'loudness measurement',
    LOUDNESS_TIMEOUT_MS,
    signal,
  );
}

/** Four hours of audio decode at 100x, with room: the first loudness pass never hangs a job. */
const LOUDNESS_TIMEOUT_MS = 30 * 60_000;

/** An ffmpeg run whose result is its log (info level): analysis filters print there. */
function analysisLog(
  paths: FfmpegPaths,
  file: string,
  args: readonly string[],
  what: string,
  timeout: number,
  signal?: AbortSignal,
): Promise<string> {
  const argv = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', ...args];
  return new Promise<string>((resolve, reject) => {
    execFile(
      paths.ffmpegPath,
      argv,
      {
        cwd: dirname(file),
        maxBuffer: 4 * 1024 * 1024,
        timeout,
        ...(signal ? { signal } : {}),
      },
      (error, _stdout, stderr) => {
        if (signal?.aborted) reject(toInterrupted(signal, error));
        else if (error)
          reject(new Error(`${what} failed: ${stderr.trim().split('\n').at(-1) ?? error.message}`));
        else resolve(stderr);
      },
    );
  });
}

/** ffprobe's complaint, in words a person submitting a file understands. */
export function explainProbeFailure(stderr: string, fallback: string): string {
  const refused = /\[([\w,]+) @ [^\]]*\] Format not on whitelist/.exec(stderr);
  if (refused) {
    return `the source is a "${refused[1]}" file, not a video container: playlists, concat lists, images, image sequences and stream descriptions are refused`;
  }
  if (/Protocol '?([\w]+)'? not on whitelist/.test(stderr)) {
    return 'the source refers to other files or network addresses, which are refused';
  }
  // The demuxers' words for the two ways uploads arrive unreadable, said about the file.
  if (/moov atom not found/.test(stderr)) {
    return 'the source is not a readable media file: it has no MP4 index (moov box), so the upload was cut short or the file is not an MP4 video';
  }
  if (/^[^\n]*Invalid data found when processing input\s*$/.test(stderr.trim())) {
    return 'the source is not a readable media file: no video container was found in it (is it a video?)';
  }
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) =>
      l
        .replace(/^\[[^\]]*\]\s*/, '')
        .replace(/^.*?: (?=Invalid data)/, '')
        .trim(),
    )
    .filter(Boolean);
  const reason = [...new Set(lines)].slice(-2).join('; ') || fallback;
  return `the source is not a readable media file: ${reason.slice(0, 300)}`;
}

/**
 * ffmpeg's failure as the error model sees it: a source no decoder can read is the input's
 * fault (permanent, said in words about the input); a full disk or memory is the machine's
 * (another attempt may pass); a kill from outside may pass; anything else is permanent.
 */
export function toTranscodeError(err: Error, stderr: string): Error {
  const tail = tailLines(stderr, STDERR_TAIL_LINES);
  if (/killed with signal/.test(err.message)) {
    // A kill we did not ask for (OOM killer, node pressure) may pass; a refusal will not.
    return new TranscodeFailedError(
      `ffmpeg was killed from outside the worker (${err.message}); out of memory?`,
      { cause: err, stderrTail: tail, retryable: true },
    );
  }
  if (/No space left on device/.test(stderr)) {
    return new InsufficientStorageError(
      'the work directory filled up while ffmpeg wrote the outputs',
      {
        cause: err,
        retryable: true,
      },
    );
  }
  if (/Cannot allocate memory/.test(stderr)) {
    return new TranscodeFailedError('ffmpeg ran out of memory', {
      cause: err,
      stderrTail: tail,
      retryable: true,
    });
  }
  const failure = classifyFfmpegFailure(stderr);
  switch (failure.kind) {
    case 'missing-decoder':
      return new MissingDecoderError(
        `this worker's ffmpeg has no decoder for the source's ${failure.codec} stream (#${failure.stream})`,
        { cause: err, stream: failure.stream, codec: failure.codec },
      );
    case 'undecodable':
      return new InvalidMediaError(`the source cannot be decoded: ${failure.detail}`, {
        cause: err,
      });
    case 'damaged':
      return new InvalidMediaError(`the source is damaged: ${failure.detail}`, { cause: err });
    case 'other':
      return new TranscodeFailedError(`ffmpeg failed: ${failure.line || err.message}`, {
        cause: err,
        stderrTail: tail,
        retryable: false,
      });
  }
}

function toInterrupted(signal: AbortSignal, cause: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new InterruptedError('ffmpeg stopped: the worker is shutting down', { cause });
}

function tailLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}
