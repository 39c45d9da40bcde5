import { RUN_OPTIONS, SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import { posterSize, type ThumbnailSpec } from '../ladder/plan.ts';
import type { SourceInfo } from '../source/source-info.ts';
import type { ChunkWindow } from '../split/chunks.ts';

/**
 * The poster and the thumbnails: their outputs of the ladder run (the filter graph makes their
 * frames), the fallback poster, and the sprite sheets a stitch tiles.
 */

/** The poster's output options: one JPEG of the frames at `label`. */
export function posterOptions(label: string): string[] {
  return ['-map', label, '-frames:v', '1', '-q:v', '3', '-f', 'image2', '-update', '1'];
}

/**
 * The thumbnails' outputs: numbered JPEGs from `firstNumber` (a chunk's first thumbnail on the
 * whole source's timeline), and in a single run the sprite sheets tiled from them too.
 */
export function thumbnailOutputs(p: {
  readonly thumbnails: string;
  readonly sprites?: string;
  readonly firstNumber: number;
}): { target: string; options: string[] }[] {
  const images = (label: string, first: number) => [
    '-map',
    label,
    // The frames as they come: a chunk's first thumbnail is not at 0, and a constant-rate
    // output would repeat it back to 0.
    ...['-fps_mode:v', 'passthrough', '-q:v', '5', '-f', 'image2'],
    ...['-start_number', String(first)],
  ];
  return [
    { target: layout.thumbnailPattern, options: images(p.thumbnails, p.firstNumber) },
    ...(p.sprites ? [{ target: layout.spritePattern, options: images(p.sprites, 0) }] : []),
  ];
}

/**
 * Where a chunk's frames sit on the source's timeline (its first frame's time: the chunk's
 * boundary plus its key offset), and the number of its first thumbnail.
 */
export function chunkThumbnails(
  t: Pick<ThumbnailSpec, 'intervalSeconds'>,
  window: ChunkWindow,
  frameSeconds: number,
): { shiftSeconds: number; first: number } {
  const shiftSeconds = window.startSeconds + window.keyOffsetSeconds;
  // Thumbnails owned by earlier frames: one per multiple of the interval up to half a frame
  // before this chunk's first.
  const first =
    window.index === 0 ? 0 : Math.floor((shiftSeconds - frameSeconds / 2) / t.intervalSeconds) + 1;
  return { shiftSeconds, first };
}

/** The thumbnails' sprite sheets, tiled from the numbered JPEGs the chunks wrote. */
export function buildSpriteInvocation(spec: {
  readonly thumbnails: Pick<ThumbnailSpec, 'columns' | 'rows'>;
  readonly cwd: string;
}): FfmpegInvocation {
  const t = spec.thumbnails;
  return {
    cwd: spec.cwd,
    input: layout.thumbnailPattern,
    inputOptions: [
      ...RUN_OPTIONS,
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'image2',
      '-f',
      'image2',
      '-start_number',
      '0',
    ],
    complexFilter: '',
    outputs: [
      {
        target: layout.spritePattern,
        options: [
          '-vf',
          `tile=${t.columns}x${t.rows}`,
          '-q:v',
          '5',
          '-f',
          'image2',
          '-start_number',
          '0',
        ],
      },
    ],
    directories: ['thumbnails'],
  };
}

/**
 * The poster alone, from the first frame of the chosen stream that decodes: the fallback when
 * the ladder's poster branch found no frame at its time (a damaged or very short stream).
 */
export function buildPosterInvocation(spec: {
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly top: Pick<PlannedRung, 'width' | 'height'>;
  readonly cwd: string;
}): FfmpegInvocation {
  const { width, height } = posterSize(spec.top);
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [...SAFE_INPUT_OPTIONS],
    complexFilter: `[0:${spec.source.video.index}]scale=w=${width}:h=${height},setsar=1[poster]`,
    outputs: [
      {
        target: layout.poster,
        options: posterOptions('[poster]'),
      },
    ],
    directories: [],
  };
}
