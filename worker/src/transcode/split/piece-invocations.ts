import { dirname } from 'node:path';
import { SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';
import type { SourceInfo } from '../source/source-info.ts';

/**
 * A chunk's piece (pieces.ts): its part of the source's video stream-copied, timestamps kept
 * (-copyts: the piece plays on the source's timeline, in its time base), into a MOV (an MP4 for AV1 and VP9,
 * which MOV does not carry). Video only: the audio is encoded whole, from the source.
 */
export function buildPieceInvocation(spec: {
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly cut: { readonly seekSeconds: number; readonly readSeconds?: number };
  /** The source video's timescale (its time base's denominator), kept by the piece. */
  readonly timescale?: number;
  readonly cwd: string;
  /** Relative to cwd; its extension from pieceExtension(). */
  readonly target: string;
}): FfmpegInvocation {
  const { cut } = spec;
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [
      ...SAFE_INPUT_OPTIONS,
      ...(cut.seekSeconds > 0 ? ['-ss', String(cut.seekSeconds)] : []),
      ...(cut.readSeconds !== undefined ? ['-t', String(cut.readSeconds)] : []),
      '-copyts',
    ],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: [
          '-map',
          `0:${spec.source.video.index}`,
          '-c',
          'copy',
          // The track's and the movie's (the edit list's) timescales: the piece's first
          // timestamp, which the empty edit carries, would otherwise round to milliseconds.
          ...(spec.timescale
            ? [
                '-video_track_timescale',
                String(spec.timescale),
                '-movie_timescale',
                String(spec.timescale),
              ]
            : []),
          '-map_metadata',
          '-1',
          '-f',
          pieceExtension(spec.source) === 'mp4' ? 'mp4' : 'mov',
        ],
      },
    ],
    directories: [dirname(spec.target)],
  };
}

/**
 * The audio's piece of a long source: its one audio track stream-copied (timestamps kept) into
 * `target`, and in the same run, the track decoded from the source and hashed frame by frame
 * (framemd5) into `hash`, which the piece's own hash (buildAudioHashInvocation) must equal.
 */
export function buildAudioPieceInvocation(spec: {
  readonly sourcePath: string;
  readonly source: SourceInfo;
  /** The audio's timescale (its time base's denominator): the MOV's edit list keeps its start. */
  readonly timescale?: number;
  readonly cwd: string;
  /** Relative to cwd; its extension from audioPieceExtension(). */
  readonly target: string;
  readonly hash: string;
}): FfmpegInvocation {
  const audio = spec.source.audio;
  if (!audio) throw new Error('an audio piece needs audio');
  const mov = audioPieceExtension(spec.source) === 'mov';
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [...SAFE_INPUT_OPTIONS, '-copyts'],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: [
          ...['-map', `0:${audio.index}`, '-c', 'copy'],
          // MOV's edit list counts in the movie's timescale, milliseconds by default: the
          // track's start (an AAC priming offset, a late start) would round.
          ...(mov && spec.timescale ? ['-movie_timescale', String(spec.timescale)] : []),
          ...['-map_metadata', '-1', '-f', mov ? 'mov' : 'matroska'],
        ],
      },
      { target: spec.hash, options: ['-map', `0:${audio.index}`, '-f', 'framemd5'] },
    ],
    directories: [dirname(spec.target), dirname(spec.hash)],
  };
}

/** The audio piece decoded and hashed frame by frame, as buildAudioPieceInvocation hashed the source's. */
export function buildAudioHashInvocation(spec: {
  readonly piecePath: string;
  readonly cwd: string;
  readonly hash: string;
}): FfmpegInvocation {
  return {
    cwd: spec.cwd,
    input: spec.piecePath,
    inputOptions: [...SAFE_INPUT_OPTIONS, '-copyts'],
    complexFilter: '',
    outputs: [{ target: spec.hash, options: ['-map', '0:0', '-f', 'framemd5'] }],
    directories: [dirname(spec.hash)],
  };
}

/** The container the audio's piece is copied into: Matroska from Matroska/WebM, else MOV. */
export function audioPieceExtension(source: Pick<SourceInfo, 'formatName'>): 'mka' | 'mov' {
  return source.formatName.split(',').includes('matroska') ? 'mka' : 'mov';
}

/** The container a chunk's piece is copied into: MOV, or MP4 for codecs only MP4 carries. */
export function pieceExtension(source: SourceInfo): 'mov' | 'mp4' {
  return ['av1', 'vp9'].includes(source.video.codec) ? 'mp4' : 'mov';
}
