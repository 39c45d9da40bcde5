import { RUN_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import { mp4TeeOutput } from './tee.ts';

/**
 * One rung's MP4 of a chunked source, stitched: its chunks joined by the concat demuxer with
 * stream copy (no re-encode; each chunk starts on a keyframe), with the whole audio muxed in, as
 * a single run writes it (its HLS track needs no stitch: the chunks wrote its segments). `list`
 * is a concat list (relative to cwd) of the rung's chunk files in order; `audio` the M4A of the
 * rung's audio bitrate.
 */
export function buildStitchInvocation(spec: {
  readonly list: string;
  readonly rung: Pick<PlannedRung, 'name'>;
  readonly audio?: string;
  readonly cwd: string;
}): FfmpegInvocation {
  // Our own files: the concat demuxer over local MP4s, nothing else.
  const ownFiles = ['-protocol_whitelist', 'file', '-format_whitelist', 'mov'];
  return {
    cwd: spec.cwd,
    input: spec.list,
    inputOptions: [
      ...RUN_OPTIONS,
      '-protocol_whitelist',
      'file',
      '-format_whitelist',
      'concat,mov',
      '-f',
      'concat',
      '-safe',
      '0',
    ],
    ...(spec.audio ? { moreInputs: [{ input: spec.audio, options: ownFiles }] } : {}),
    complexFilter: '',
    outputs: [
      {
        target: mp4TeeOutput(`v:0${spec.audio ? ',a:0' : ''}`, layout.mp4(spec.rung.name), true),
        options: [
          '-map',
          '0:v:0',
          ...(spec.audio ? ['-map', '1:a:0'] : []),
          '-c',
          'copy',
          '-map_metadata',
          '-1',
          '-f',
          'tee',
        ],
      },
    ],
    directories: ['mp4'],
  };
}

/** One concat demuxer list: the files in order, single quotes escaped as the format wants. */
export function concatList(paths: readonly string[]): string {
  return paths.map((p) => `file '${p.replace(/'/g, "'\\''")}'\n`).join('');
}
