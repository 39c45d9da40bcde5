import { execFile, spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { InvalidMediaError } from '../../base/errors.ts';
import { explainProbeFailure, toInterrupted } from './errors.ts';
import { INPUT_GUARD } from './input-guard.ts';
import type { FfmpegPaths } from './invocation.ts';
import type { PacketSpan, ProbeJson } from './probe-json.ts';

/** ffprobe runs as a plain argv, its JSON read whole; never longer than this. */
export const PROBE_TIMEOUT_MS = 60_000;

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
