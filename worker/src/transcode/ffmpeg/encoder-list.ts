import { execFile } from 'node:child_process';
import type { FfmpegPaths } from './invocation.ts';

/**
 * The encoders this worker's ffmpeg was built with (`ffmpeg -encoders`), by name: `libx264`,
 * `libsvtav1`. A build without one refuses the codecs that need it before anything is done.
 */
export async function listEncoders(paths: FfmpegPaths, signal?: AbortSignal): Promise<Set<string>> {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      paths.ffmpegPath,
      ['-hide_banner', '-encoders'],
      { signal, timeout: 30_000, maxBuffer: 4 * 1024 * 1024 },
      (error, out) => {
        if (error) reject(new Error(`ffmpeg -encoders failed: ${error.message}`, { cause: error }));
        else resolve(out);
      },
    );
  });
  return parseEncoderList(stdout);
}

/** ` V....D libx264   libx264 H.264 ...` lines, after the legend's `------`. */
export function parseEncoderList(stdout: string): Set<string> {
  const body = stdout.split(/^ -+$/m)[1] ?? '';
  return new Set([...body.matchAll(/^ [VAS][A-Z.]{5} (\S+)/gm)].map((m) => m[1]!));
}
