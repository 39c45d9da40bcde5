import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
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
  /** The tone starts this late after the picture (a camera's audio often does, by a few ms). */
  readonly audioDelaySeconds?: number;
  /** Output options for the tone replacing the default (AAC at 96 kb/s). */
  readonly audioOptions?: readonly string[];
  /** A lavfi graph for the picture instead of the moving test pattern (label its output out0). */
  readonly video?: string;
  /** Output options replacing the default (x264 ultrafast, yuv420p): codec, pixel format, metadata. */
  readonly outputOptions?: readonly string[];
  readonly channels?: number;
  /** Display rotation written into the container afterwards, as phones do (degrees). */
  readonly rotate?: number;
  readonly container?: 'mp4' | 'mov' | 'mkv' | 'ts';
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
  // Unique per call: test files in worker threads share a pid and may make the same clip at once.
  const tmp = `${path}.${randomUUID()}.tmp.${spec.container ?? 'mp4'}`;
  const args = [
    '-hide_banner',
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    spec.video ?? `testsrc2=size=${spec.width}x${spec.height}:rate=${fps}:duration=${spec.seconds}`,
    ...(spec.audio === false
      ? []
      : [
          ...(spec.audioDelaySeconds ? ['-itsoffset', String(spec.audioDelaySeconds)] : []),
          ...['-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${spec.seconds}`],
        ]),
    ...(spec.channels ? ['-ac', String(spec.channels)] : []),
    ...(spec.outputOptions ?? ['-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p']),
    ...(spec.audio === false ? [] : (spec.audioOptions ?? ['-c:a', 'aac', '-b:a', '96k'])),
    '-y',
    tmp,
  ];
  await run('ffmpeg', args);
  if (spec.rotate !== undefined) {
    // Encoders drop rotation metadata; a stream copy writes it as a display matrix.
    const rotated = `${tmp}.rotated.${spec.container ?? 'mp4'}`;
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      tmp,
      '-c',
      'copy',
      '-metadata:s:v:0',
      `rotate=${spec.rotate}`,
      '-y',
      rotated,
    ]);
    renameSync(rotated, tmp);
  }
  renameSync(tmp, path);
  return path;
}
