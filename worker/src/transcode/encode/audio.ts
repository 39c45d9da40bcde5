import type { OutputFormat } from '../../contract/message.ts';
import { SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';
import { layout } from '../ladder/layout.ts';
import type { SourceInfo } from '../source/source-info.ts';
import { hlsTeeOutput, mp4TeeOutput } from './tee.ts';

/** AAC-LC, the only audio codec the ladder writes (its RFC 6381 string). */
export const AAC_LC_CODEC = 'mp4a.40.2';

/**
 * The source's audio encoded once per bitrate (AAC, stereo at most): its maps and its options.
 * Timestamps that do not advance with the samples are timed by the sample count; then the
 * loudness pass, when the job asks for one. Nothing without audio or rates.
 */
export function audioEncoding(
  audio: SourceInfo['audio'],
  rates: readonly number[],
  loudnessFilter: string | undefined,
): { maps: string[]; options: string[] } {
  if (!audio || rates.length === 0) return { maps: [], options: [] };
  const filters = [
    ...(audio.retime ? ['asetpts=N/SR/TB+STARTPTS'] : []),
    ...(loudnessFilter ? [loudnessFilter] : []),
  ];
  return {
    maps: rates.flatMap(() => ['-map', `0:${audio.index}`]),
    options: [
      ...rates.flatMap((kbps, j) => [`-c:a:${j}`, 'aac', `-b:a:${j}`, `${kbps}k`]),
      ...['-ac', String(Math.min(2, audio.channels))],
      ...(filters.length > 0 ? ['-filter:a', filters.join(',')] : []),
    ],
  };
}

/**
 * The audio of a chunked source, encoded once for its whole duration (no AAC priming gap at
 * any chunk boundary): each bitrate as its HLS rendition, and as an M4A the stitch muxes into
 * the rungs' MP4s.
 */
export function buildAudioInvocation(spec: {
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly rates: readonly number[];
  readonly formats: readonly OutputFormat[];
  readonly segmentSeconds: number;
  readonly loudnessFilter?: string;
  /**
   * Reading the audio's piece (buildAudioPieceInvocation): added to its timestamps so that they
   * land where the source's would (ffmpeg counts a file's time from its start, and the piece
   * starts with the audio, the source perhaps earlier).
   */
  readonly offsetSeconds?: number;
  readonly cwd: string;
}): FfmpegInvocation {
  const audio = spec.source.audio;
  if (!audio || spec.rates.length === 0) throw new Error('an audio run needs audio and a rate');
  const outputs = spec.rates.flatMap((kbps, j) => [
    ...(spec.formats.includes('hls')
      ? [
          // Published while it runs: chunks need not wait for the whole audio (progressive/watch.ts).
          hlsTeeOutput(`a:${j}`, layout.audioRendition(kbps), spec.segmentSeconds, {
            playlistType: 'event',
          }),
        ]
      : []),
    ...(spec.formats.includes('mp4') ? [mp4TeeOutput(`a:${j}`, layout.chunkAudio(kbps))] : []),
  ]);
  const encoding = audioEncoding(audio, spec.rates, spec.loudnessFilter);
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [
      ...SAFE_INPUT_OPTIONS,
      // Whole microseconds, as ffmpeg keeps it (and never in exponent form, which it refuses).
      ...(spec.offsetSeconds ? ['-itsoffset', spec.offsetSeconds.toFixed(6)] : []),
    ],
    complexFilter: '',
    outputs: [
      {
        target: outputs.join('|'),
        options: [...encoding.maps, ...encoding.options, '-map_metadata', '-1', '-f', 'tee'],
      },
    ],
    directories: [
      ...(spec.formats.includes('hls')
        ? spec.rates.map((kbps) => layout.hlsDir(layout.audioRendition(kbps)))
        : []),
      ...(spec.formats.includes('mp4') ? [layout.chunkDir] : []),
    ],
  };
}
