import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = join(import.meta.dirname, '..', '..', '.local', 'clips');

export interface ClipSpec {
  readonly seconds: number;
  readonly width: number;
  readonly height: number;
  readonly fps?: number;
  readonly audio?: boolean;
  /** Extra output options (codec, pixel format, rotation metadata, ...). */
  readonly outputOptions?: readonly string[];
  readonly container?: 'mp4' | 'mov' | 'mkv';
}

/**
 * A small synthetic source made with ffmpeg's lavfi generators (moving test pattern, a tone),
 * cached under .local/clips by its spec so a run makes each clip once.
 */
export async function makeClip(spec: ClipSpec): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const id = createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 16);
  const path = join(CACHE, `${id}.${spec.container ?? 'mp4'}`);
  if (existsSync(path)) return path;
  const fps = spec.fps ?? 25;
  const tmp = `${path}.${process.pid}.tmp.${spec.container ?? 'mp4'}`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=${spec.width}x${spec.height}:rate=${fps}:duration=${spec.seconds}`,
    ...(spec.audio === false
      ? []
      : ['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`]),
    ...(spec.outputOptions ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
    ...(spec.audio === false ? [] : ['-c:a', 'aac', '-b:a', '96k']),
    '-y',
    tmp,
  ];
  await run('ffmpeg', args);
  renameSync(tmp, path);
  return path;
}
