import { execFile } from 'node:child_process';
import { dirname } from 'node:path';
import { toInterrupted } from './errors.ts';
import { PROBE_TIMEOUT_MS } from './ffprobe.ts';
import { INPUT_GUARD } from './input-guard.ts';
import type { FfmpegPaths } from './invocation.ts';

/**
 * ffmpeg's interlace detector (idet) over a sample of one video stream: its log, where it
 * prints its verdict (picture/interlace.ts reads it). Decodes `frames` frames from `atSeconds`; nothing
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
 * The first loudness pass over one audio stream (encode/loudness.ts): decodes the audio alone, the
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
