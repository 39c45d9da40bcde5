import { execFile } from 'node:child_process';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import type { FfmpegPaths } from '../../worker/src/transcode/ffmpeg/invocation.ts';
import type { Transcoder } from '../../worker/src/transcode/transcoder.ts';

const run = promisify(execFile);

/**
 * `--max-seconds N`, a limit of a CI run's budget, not of the product: a file whose video lasts
 * longer than N seconds is replaced by its first N seconds, cut by stream copy into the same
 * container (no re-encode), and that cut is what every build transcodes and every check reads.
 * A file is cut only if its header says it is longer and the product's own probe agrees: a
 * header that misstates the length (143,166 s for a 20 s file) is part of what is tested.
 */
export async function firstSeconds(
  tools: FfmpegPaths,
  reference: Transcoder,
  source: string,
  seconds: number,
  dir: string,
): Promise<{ readonly path: string; readonly firstSeconds?: number; readonly note?: string }> {
  if ((await headerSeconds(tools.ffprobePath, source)) <= seconds) return { path: source };
  let length: number;
  try {
    length = (await reference.probe(source, AbortSignal.timeout(600_000))).video.durationSeconds;
  } catch {
    // Refused by the probe: the refusal is the behaviour to compare, and it reads no frames.
    return { path: source };
  }
  if (length <= seconds) return { path: source };
  const cut = join(dir, `first-${seconds}s-${basename(source)}`);
  try {
    await run(
      tools.ffmpegPath,
      [
        ...['-hide_banner', '-nostdin', '-v', 'error', '-i', source],
        ...['-map', '0:v', '-map', '0:a?', '-map', '0:s?', '-c', 'copy'],
        ...['-t', String(seconds), '-y', cut],
      ],
      { timeout: 600_000 },
    );
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    return {
      path: source,
      note: `could not cut its first ${seconds} s (${stderr.trim().split('\n').at(-1)}); ran whole`,
    };
  }
  return { path: cut, firstSeconds: seconds };
}

/** The longest duration the container's header gives (format or any stream), 0 if none. */
async function headerSeconds(ffprobe: string, file: string): Promise<number> {
  try {
    const { stdout } = await run(
      ffprobe,
      ['-v', 'error', '-show_entries', 'format=duration:stream=duration', '-of', 'json', file],
      { timeout: 60_000 },
    );
    const json = JSON.parse(stdout) as {
      format?: { duration?: string };
      streams?: { duration?: string }[];
    };
    const all = [json.format?.duration, ...(json.streams ?? []).map((s) => s.duration)];
    return Math.max(0, ...all.map((d) => Number(d)).filter((d) => Number.isFinite(d)));
  } catch {
    return 0;
  }
}
