import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { InterruptedError, InvalidMediaError, TranscodeFailedError } from '../errors.ts';
import { INPUT_GUARD, type FfmpegInvocation } from './ffmpeg-args.ts';
import type { ProbeJson } from './probe.ts';
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
    .inputOptions([...inv.inputOptions])
    .complexFilter(inv.complexFilter);
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
      const tail = tailLines(stderr ?? '', STDERR_TAIL_LINES);
      const killed = /killed with signal/.test(err.message);
      reject(
        new TranscodeFailedError(
          killed
            ? `ffmpeg was killed from outside the worker (${err.message}); out of memory?`
            : `ffmpeg failed: ${lastLine(tail) || err.message}`,
          // A kill we did not ask for (OOM killer, node pressure) may pass; a refusal will not.
          { cause: err, stderrTail: tail, retryable: killed },
        ),
      );
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
): Promise<ProbeJson> {
  const args = [
    '-v',
    'error',
    ...INPUT_GUARD,
    '-show_format',
    '-show_streams',
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
    return JSON.parse(stdout) as ProbeJson;
  } catch (err) {
    throw new InvalidMediaError('ffprobe returned unreadable output for the source', {
      cause: err,
    });
  }
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

function toInterrupted(signal: AbortSignal, cause: unknown): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  return new InterruptedError('ffmpeg stopped: the worker is shutting down', { cause });
}

function tailLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return (lines[lines.length - 1] ?? '').trim();
}
