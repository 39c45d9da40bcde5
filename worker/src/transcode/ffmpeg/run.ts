import { type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import ffmpeg, { type FfmpegCommand } from 'fluent-ffmpeg';
import { toInterrupted, toTranscodeError } from './errors.ts';
import type { FfmpegInvocation, FfmpegPaths } from './invocation.ts';
import { ProgressParser, type Progress } from './progress.ts';

/**
 * The one adapter around the ffmpeg process: fluent-ffmpeg (the user's choice, deprecated
 * upstream, used nowhere else) runs an invocation built by pure functions. Stopping sends
 * SIGTERM, waits, then SIGKILL.
 */
const KILL_GRACE_MS = 3000;

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
