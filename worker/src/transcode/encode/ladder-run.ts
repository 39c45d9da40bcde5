import type { OutputFormat } from '../../contract/message.ts';
import { secondsExpression } from '../ffmpeg/expressions.ts';
import { SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import type { FfmpegInvocation } from '../ffmpeg/invocation.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import { ladderAudioRates, type ThumbnailSpec } from '../ladder/plan.ts';
import { BT709_TAGS } from '../picture/colour.ts';
import type { SourceInfo } from '../source/source-info.ts';
import { chunkHlsTime, type ChunkWindow } from '../split/chunks.ts';
import { audioEncoding } from './audio.ts';
import { GRAPH_LABELS, ladderFilterGraph } from './filter-graph.ts';
import { posterOptions, thumbnailOutputs } from './images.ts';
import { hlsTeeOutput, mp4TeeOutput } from './tee.ts';
import type {
  EncodeContext,
  EncoderOption,
  Encoders,
  KeyframeGrid,
  VideoEncoder,
} from './video/encoder.ts';

export interface LadderSpec {
  /** Absolute path of the downloaded source. */
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly rungs: readonly PlannedRung[];
  readonly formats: readonly OutputFormat[];
  readonly segmentSeconds: number;
  /** How each codec's rungs are encoded (encode/video/): the encoder of each rung's codec. */
  readonly encoders: Encoders;
  /** swscale algorithm for the downscales. */
  readonly scaler: string;
  /** One JPEG at this time, as wide as the top rung (capped at 1280); false for none. */
  readonly posterAtSeconds: number | false;
  readonly thumbnails: false | ThumbnailSpec;
  /** Carry the CEA-608 captions of the source's video into every rung (the encoder's a53cc). */
  readonly keepCaptions?: boolean;
  /** The second loudnorm pass (loudness.ts, loudness-pass.ts), applied to the one audio decode. */
  readonly loudnessFilter?: string;
  /**
   * One chunk of a long source (split/chunks.ts): only its frames are read and encoded, video
   * only, each rung to its HLS segments (numbered as in the whole source) and to its own MP4
   * (layout.chunkVideo) for the stitch; thumbnails numbered on the whole source's timeline; the poster only if `posterAtSeconds` (on the chunk's timeline)
   * is given.
   */
  readonly window?: ChunkWindow;
  /**
   * Where the chunk seeks when `sourcePath` is its piece (split/pieces.ts), not the whole
   * source: the same frames, with the same timestamps, from a file that starts at a keyframe
   * before them.
   */
  readonly pieceSeekSeconds?: number;
  readonly cwd: string;
}

/** swscale's algorithm for the rungs' downscales, chosen by the benchmark's sweep. */
export const DEFAULT_SCALER = 'bicubic';

/**
 * The single-decode ladder: the source is decoded once, split, scaled per rung (filter-graph.ts)
 * and encoded once per rung; a tee muxer writes each encoded rung to both HLS (fMP4 segments)
 * and MP4 without a second encode. Audio is encoded once per distinct audio bitrate and shared
 * by the rungs (in HLS and DASH as audio renditions of their own; muxed into each MP4).
 * Keyframes are forced at every segment boundary in every rung (same timestamps, same frames),
 * so a player can switch renditions at any segment.
 */
export function buildLadderInvocation(spec: LadderSpec): FfmpegInvocation {
  const { rungs, source, window } = spec;
  const encoders = rungs.map((r) => spec.encoders[r.codec]);
  const pixelFormats = new Set(encoders.map((e) => e.pixelFormat));
  if (pixelFormats.size !== 1)
    throw new Error('every codec of a ladder takes the same pixel format');
  const graph = ladderFilterGraph({
    source,
    rungs,
    scaler: spec.scaler,
    pixelFormat: encoders[0]!.pixelFormat,
    posterAtSeconds: spec.posterAtSeconds,
    thumbnails: spec.thumbnails,
    ...(window ? { window } : {}),
  });

  // Audio: one encode per distinct bitrate, shared across rungs (none in a chunk: the audio of
  // a chunked source is encoded once, whole, by buildAudioInvocation).
  const audioRates = ladderAudioRates(rungs, window ? undefined : source);
  const audioIndexOf = (r: PlannedRung) =>
    r.audioKbps === undefined ? undefined : audioRates.indexOf(r.audioKbps);
  const audio = audioEncoding(source.audio, audioRates, spec.loudnessFilter);

  // Keyframes on the segment grid of the whole source: ffmpeg counts t from a run's first
  // frame, which in a chunk lies keyOffsetSeconds past the chunk's boundary.
  const keyOffset = window && window.keyOffsetSeconds > 0 ? `-${window.keyOffsetSeconds}` : '';
  const keyframes: KeyframeGrid = {
    forceExpression: `expr:gte(t,n_forced*${secondsExpression(spec.segmentSeconds)}${keyOffset})`,
    segmentFrames: Math.max(1, Math.round(source.video.frameRate * spec.segmentSeconds)),
  };
  const context: EncodeContext = {
    ...(spec.keepCaptions !== undefined ? { keepCaptions: spec.keepCaptions } : {}),
    continuesStream: window !== undefined && window.index > 0,
  };
  const perRung = rungs.flatMap((r, i) =>
    encoders[i]!.rungOptions(r).flatMap(([name, value]) => [`-${name}:v:${i}`, value]),
  );
  // HLS (and DASH over the same segments): each rung's video alone, and each audio encode once
  // as its own rendition (CMAF: one track per file, which DASH players require and which stores
  // the audio once rather than in every rung). MP4: each rung with its audio, for download.
  const tee = rungs.flatMap((r, i) => {
    if (window) {
      // A chunk: its HLS segments with the numbers they have in the whole source (moved onto
      // its timeline after the run, chunk.ts), and for the stitch's MP4s, its part of each.
      return [
        ...(spec.formats.includes('hls')
          ? [
              hlsTeeOutput(`v:${i}`, r.name, chunkHlsTime(window, spec.segmentSeconds), {
                startNumber: firstSegment(window, spec),
              }),
            ]
          : []),
        ...(spec.formats.includes('mp4')
          ? [mp4TeeOutput(`v:${i}`, layout.chunkVideo(r.name))]
          : []),
      ];
    }
    const a = audioIndexOf(r);
    const out: string[] = [];
    if (spec.formats.includes('hls')) {
      out.push(hlsTeeOutput(`v:${i}`, r.name, spec.segmentSeconds, { playlistType: 'event' }));
    }
    if (spec.formats.includes('mp4')) {
      out.push(mp4TeeOutput(`v:${i}${a === undefined ? '' : `,a:${a}`}`, layout.mp4(r.name), true));
    }
    return out;
  });
  if (spec.formats.includes('hls') && !window) {
    tee.push(
      ...audioRates.map((kbps, j) =>
        hlsTeeOutput(`a:${j}`, layout.audioRendition(kbps), spec.segmentSeconds, {
          playlistType: 'event',
        }),
      ),
    );
  }

  const ladderOutput = {
    target: tee.join('|'),
    options: [
      ...rungs.flatMap((_, i) => ['-map', GRAPH_LABELS.video(i)]),
      ...audio.maps,
      ...byCodec(encoders, (e) => e.sharedOptions(keyframes)),
      ...perRung,
      ...audio.options,
      ...byCodec(encoders, (e) => e.contextOptions(context)),
      // Every rung is SDR BT.709, and says so in the stream (VUI) and the container (colr).
      ...(source.video.picture ? BT709_TAGS : []),
      '-map_metadata',
      '-1',
      '-f',
      'tee',
    ],
  };
  const outputs = [ladderOutput];
  if (spec.posterAtSeconds !== false) {
    outputs.push({ target: layout.poster, options: posterOptions(GRAPH_LABELS.poster) });
  }
  if (spec.thumbnails) {
    outputs.push(
      ...thumbnailOutputs({
        thumbnails: GRAPH_LABELS.thumbnails,
        ...(graph.chunkThumbnails ? {} : { sprites: GRAPH_LABELS.sprites }),
        firstNumber: graph.chunkThumbnails?.first ?? 0,
      }),
    );
  }

  const directories = [
    ...(window && spec.formats.includes('mp4') ? [layout.chunkDir] : []),
    ...(spec.formats.includes('hls')
      ? [
          ...rungs.map((r) => layout.hlsDir(r.name)),
          ...(window ? [] : audioRates.map((kbps) => layout.hlsDir(layout.audioRendition(kbps)))),
        ]
      : []),
    ...(spec.formats.includes('mp4') && !window ? ['mp4'] : []),
    ...(spec.thumbnails ? ['thumbnails'] : []),
  ];

  const seekSeconds = spec.pieceSeekSeconds ?? window?.seekSeconds ?? 0;
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [
      ...SAFE_INPUT_OPTIONS,
      // Accurate seek: ffmpeg decodes from the keyframe before and drops what precedes -ss.
      ...(window && seekSeconds > 0 ? ['-ss', String(seekSeconds)] : []),
      ...(window?.readSeconds !== undefined ? ['-t', String(window.readSeconds)] : []),
    ],
    complexFilter: graph.filter,
    outputs,
    directories,
  };
}

/** The number of a chunk's first HLS segment in the whole source (chunks are whole segments). */
export function firstSegment(
  window: Pick<ChunkWindow, 'startSeconds'>,
  spec: Pick<LadderSpec, 'segmentSeconds'>,
): number {
  return Math.round(window.startSeconds / spec.segmentSeconds);
}

/**
 * Options each rung's encoder gives every stream it writes: for all video streams at once
 * (`-preset:v`) when one encoder writes them all, else stream by stream (`-preset:v:3`).
 */
function byCodec(
  encoders: readonly VideoEncoder[],
  options: (encoder: VideoEncoder) => readonly EncoderOption[],
): string[] {
  const [first] = encoders;
  if (first && encoders.every((e) => e === first)) {
    return options(first).flatMap(([name, value]) => [`-${name}:v`, value]);
  }
  return encoders.flatMap((e, i) =>
    options(e).flatMap(([name, value]) => [`-${name}:v:${i}`, value]),
  );
}
