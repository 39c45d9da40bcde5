import { dirname } from 'node:path';
import type { OutputFormat } from '../../contract/message.ts';
import { RUN_OPTIONS, SAFE_INPUT_OPTIONS } from '../ffmpeg/input-guard.ts';
import { evenFloor, type PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import { BT709_TAGS, preSplitFilters, scalerColour } from '../picture/picture-path.ts';
import type { ChunkWindow } from '../split/chunks.ts';
import type { SourceInfo } from '../source/probe.ts';

/**
 * One ffmpeg run, as data. `toArgv` turns it into the exact argv the ffmpeg adapter runs
 * (through fluent-ffmpeg) and the benchmark runs directly. Output paths are relative to `cwd`,
 * the job's output directory, so nothing here needs shell or tee escaping.
 */
export interface FfmpegInvocation {
  readonly cwd: string;
  readonly input: string;
  readonly inputOptions: readonly string[];
  /** Inputs after the first (1, 2, ... in maps), each with its own options. */
  readonly moreInputs?: readonly { readonly input: string; readonly options: readonly string[] }[];
  /** Empty for a run without a filter graph. */
  readonly complexFilter: string;
  readonly outputs: readonly { readonly target: string; readonly options: readonly string[] }[];
  /** Directories (relative to cwd) that must exist before ffmpeg starts. */
  readonly directories: readonly string[];
}

export interface EncoderSettings {
  /** x264 preset; chosen by the benchmark, see the README. */
  readonly preset: string;
  /** swscale algorithm for the downscales. */
  readonly scaler: string;
  /** x264 threads per rung; 0 lets x264 decide. */
  readonly threadsPerRung: number;
}

export const DEFAULT_ENCODER: EncoderSettings = {
  preset: 'veryfast',
  scaler: 'bicubic',
  threadsPerRung: 0,
};

export interface LadderSpec {
  /** Absolute path of the downloaded source. */
  readonly sourcePath: string;
  readonly source: SourceInfo;
  readonly rungs: readonly PlannedRung[];
  readonly formats: readonly OutputFormat[];
  readonly segmentSeconds: number;
  readonly encoder: EncoderSettings;
  /** One JPEG at this time, as wide as the top rung (capped at 1280); false for none. */
  readonly posterAtSeconds: number | false;
  readonly thumbnails: false | ThumbnailSpec;
  /** Carry the CEA-608 captions of the source's video into every rung (libx264's a53cc). */
  readonly keepCaptions?: boolean;
  /** The second loudnorm pass (loudness.ts), applied to the one audio decode. */
  readonly loudnessFilter?: string;
  /**
   * One chunk of a long source (chunks.ts): only its frames are read and encoded, video only,
   * each rung to its own MP4 (layout.chunkVideo) for the stitch; thumbnails numbered on the
   * whole source's timeline; the poster only if `posterAtSeconds` (on the chunk's timeline)
   * is given.
   */
  readonly window?: ChunkWindow;
  /**
   * Where the chunk seeks when `sourcePath` is its piece (chunks.ts), not the whole source: the
   * same frames, with the same timestamps, from a file that starts at a keyframe before them.
   */
  readonly pieceSeekSeconds?: number;
  readonly cwd: string;
}

export interface ThumbnailSpec {
  readonly intervalSeconds: number;
  readonly width: number;
  /** Sprite sheets of columns x rows thumbnails, indexed by a WebVTT file. */
  readonly columns: number;
  readonly rows: number;
}

/**
 * The single-decode ladder: the source is decoded once, split, scaled per rung (small rungs from
 * a larger rung, see scalingParents) and encoded once per rung; a tee muxer writes each encoded rung to both HLS (fMP4 segments) and MP4 without a
 * second encode. Audio is encoded once per distinct audio bitrate and shared by the rungs (in HLS
 * and DASH as audio renditions of their own; muxed into each MP4).
 * Keyframes are forced at every segment boundary in every rung (same timestamps, same frames),
 * so a player can switch renditions at any segment.
 */
export function buildLadderInvocation(spec: LadderSpec): FfmpegInvocation {
  const { rungs, source, encoder } = spec;
  if (rungs.length === 0) throw new Error('a ladder needs at least one rung');
  const top = rungs[0]!;
  const posterWidth = Math.min(1280, top.width);
  const posterHeight = even((posterWidth * top.height) / top.width);
  const scale = (w: number, h: number, colour?: string) =>
    `scale=w=${w}:h=${h}:flags=${encoder.scaler}${colour ? `:${colour}` : ''},setsar=1`;
  const parents = scalingParents(rungs);
  const fromSource = rungs.map((_, i) => i).filter((i) => parents[i] === undefined);
  const posterBranch = spec.posterAtSeconds === false ? undefined : fromSource.length;
  const thumbBranch = spec.thumbnails
    ? fromSource.length + (posterBranch === undefined ? 0 : 1)
    : undefined;
  const branches =
    fromSource.length + (posterBranch === undefined ? 0 : 1) + (thumbBranch === undefined ? 0 : 1);

  // The chosen stream by its index (a file may hold several), at the probe's frame rate: the
  // outputs are constant-rate at the rate the packets show, whatever the container claims.
  // Deinterlacing and tone mapping run once here, before the split (picture.ts); the scalers
  // of the rungs taken from the source convert its colours to BT.709 limited range.
  const picture = source.video.picture;
  const pre = preSplitFilters(picture, fpsExpression(source.video.frameRate)).join(',');
  const sourceColour = picture ? scalerColour(picture) : undefined;
  const filters = [
    `[0:${source.video.index}]${pre},split=${branches}${range(branches)
      .map((i) => `[s${i}]`)
      .join('')}`,
    ...rungs.map((r, i) => {
      const fromParent = parents[i] !== undefined;
      const input = fromParent ? `[r${parents[i]}to${i}]` : `[s${fromSource.indexOf(i)}]`;
      const children = rungs.map((_, c) => c).filter((c) => parents[c] === i);
      // A small rung of a high-rate source keeps every n-th frame, dropped before it is scaled
      // (once: a rung scaled from an already reduced parent inherits its rate).
      const parentStep = fromParent ? rungs[parents[i]!]!.frameStep : 1;
      const reduce = r.frameStep !== parentStep ? `fps=${fpsExpression(r.frameRate)},` : '';
      const chain = `${input}${reduce}${scale(r.width, r.height, fromParent ? undefined : sourceColour)},format=yuv420p`;
      return children.length === 0
        ? `${chain}[v${i}]`
        : `${chain},split=${children.length + 1}[v${i}]${children.map((c) => `[r${i}to${c}]`).join('')}`;
    }),
  ];
  if (spec.posterAtSeconds !== false) {
    filters.push(
      `[s${posterBranch}]trim=start=${fmt(spec.posterAtSeconds)},${scale(posterWidth, posterHeight)}[poster]`,
    );
  }
  const window = spec.window;
  const frameSeconds = 1 / source.video.frameRate;
  const thumbs =
    spec.thumbnails && window ? chunkThumbnails(spec.thumbnails, window, frameSeconds) : undefined;
  if (spec.thumbnails) {
    // A thumbnail every interval: the frame nearest each multiple of it (the one whose half
    // frame either side holds it). A chunk's frames are put back on the source's timeline
    // first (its first frame at its known time: where ffmpeg starts a seeked run's timestamps
    // varies by a frame), so it takes exactly the ones a single run takes in its range, and
    // the stitch tiles the sprites from all of them.
    const t = spec.thumbnails;
    const every = fmt(t.intervalSeconds);
    const half = (frameSeconds / 2).toFixed(9);
    // The whole source's first frame is the first thumbnail, wherever the video starts.
    const firstFrame = !window || window.index === 0 ? '+eq(n\\,0)' : '';
    const pick = `select=gt(floor((t+${half})/${every})\\,floor((t-${half})/${every}))${firstFrame}`;
    const size = scale(t.width, thumbnailHeight(t, top));
    filters.push(
      thumbs
        ? `[s${thumbBranch}]setpts=PTS-STARTPTS+round(${thumbs.shiftSeconds}/TB),${pick},${size}[thumbs]`
        : `[s${thumbBranch}]${pick},${size},split=2[thumbs][tiles]`,
    );
    if (!thumbs) filters.push(`[tiles]tile=${t.columns}x${t.rows}[sprites]`);
  }

  // Audio: one encode per distinct bitrate, shared across rungs (none in a chunk: the audio of
  // a chunked source is encoded once, whole, by buildAudioInvocation).
  const audioRates = ladderAudioRates(rungs, window ? undefined : source);
  const audioIndexOf = (r: PlannedRung) =>
    r.audioKbps === undefined ? undefined : audioRates.indexOf(r.audioKbps);

  const gop = Math.max(1, Math.round(source.video.frameRate * spec.segmentSeconds));
  // Keyframes on the segment grid of the whole source: ffmpeg counts t from a run's first
  // frame, which in a chunk lies keyOffsetSeconds past the chunk's boundary.
  const keyOffset = window && window.keyOffsetSeconds > 0 ? `-${window.keyOffsetSeconds}` : '';
  const videoOptions = rungs.flatMap((r, i) => [
    `-c:v:${i}`,
    'libx264',
    `-crf:v:${i}`,
    String(r.crf),
    `-maxrate:v:${i}`,
    `${r.maxVideoKbps}k`,
    `-bufsize:v:${i}`,
    `${r.bufferKbps}k`,
    ...(encoder.threadsPerRung > 0 ? [`-threads:v:${i}`, String(encoder.threadsPerRung)] : []),
  ]);
  const audioEncoding = encodeAudio(source.audio, audioRates, spec.loudnessFilter);

  // HLS (and DASH over the same segments): each rung's video alone, and each audio encode once
  // as its own rendition (CMAF: one track per file, which DASH players require and which stores
  // the audio once rather than in every rung). MP4: each rung with its audio, for download.
  const hls = (selector: string, dir: string) => hlsSlave(selector, dir, spec.segmentSeconds);
  const slaves = rungs.flatMap((r, i) => {
    if (window) return [`[f=mp4:select=\\'v:${i}\\']${layout.chunkVideo(r.name)}`];
    const a = audioIndexOf(r);
    const out: string[] = [];
    if (spec.formats.includes('hls')) out.push(hls(`v:${i}`, r.name));
    if (spec.formats.includes('mp4')) {
      const select = `select=\\'v:${i}${a === undefined ? '' : `,a:${a}`}\\'`;
      out.push(`[f=mp4:${select}:movflags=+faststart]${layout.mp4(r.name)}`);
    }
    return out;
  });
  if (spec.formats.includes('hls') && !window) {
    slaves.push(...audioRates.map((kbps, j) => hls(`a:${j}`, layout.audioRendition(kbps))));
  }

  const ladderOutput = {
    target: slaves.join('|'),
    options: [
      ...rungs.flatMap((_, i) => ['-map', `[v${i}]`]),
      ...audioEncoding.maps,
      '-preset:v',
      encoder.preset,
      '-profile:v',
      'high',
      '-force_key_frames:v',
      `expr:gte(t,n_forced*${fmt(spec.segmentSeconds)}${keyOffset})`,
      '-sc_threshold:v',
      '0',
      '-g:v',
      String(gop * 2),
      ...videoOptions,
      ...audioEncoding.options,
      ...(spec.keepCaptions === false ? ['-a53cc:v', '0'] : []),
      // A chunk after the first starts mid-stream, where a single run's VBV buffer is not full:
      // x264's default (0.9 full) let every chunk open with a burst (measured on cap-bound
      // 720p noise with 8 s chunks: +7% bytes, +0.4 dB over a single run; at 0.5, -4% bytes
      // and within 0.02 dB).
      ...(window && window.index > 0 ? ['-x264-params:v', 'vbv-init=0.5'] : []),
      // Every rung is SDR BT.709, and says so in the stream (VUI) and the container (colr).
      ...(picture ? BT709_TAGS : []),
      '-map_metadata',
      '-1',
      '-f',
      'tee',
    ],
  };
  const posterOutput = {
    target: layout.poster,
    options: ['-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-f', 'image2', '-update', '1'],
  };
  const outputs = spec.posterAtSeconds === false ? [ladderOutput] : [ladderOutput, posterOutput];
  if (thumbs) {
    outputs.push({
      target: layout.thumbnailPattern,
      options: [
        '-map',
        '[thumbs]',
        // The frames as they come: a chunk's first thumbnail is not at 0, and a constant-rate
        // output would repeat it back to 0.
        '-fps_mode:v',
        'passthrough',
        '-q:v',
        '5',
        '-f',
        'image2',
        '-start_number',
        String(thumbs.first),
      ],
    });
  } else if (spec.thumbnails) {
    outputs.push(
      {
        target: layout.thumbnailPattern,
        options: [
          ...['-map', '[thumbs]', '-fps_mode:v', 'passthrough', '-q:v', '5'],
          ...['-f', 'image2', '-start_number', '0'],
        ],
      },
      {
        target: layout.spritePattern,
        options: [
          ...['-map', '[sprites]', '-fps_mode:v', 'passthrough', '-q:v', '5'],
          ...['-f', 'image2', '-start_number', '0'],
        ],
      },
    );
  }

  const directories = [
    ...(window ? [layout.chunkDir] : []),
    ...(spec.formats.includes('hls') && !window
      ? [
          ...rungs.map((r) => layout.hlsDir(r.name)),
          ...audioRates.map((kbps) => layout.hlsDir(layout.audioRendition(kbps))),
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
    complexFilter: filters.join(';'),
    outputs,
    directories,
  };
}

/**
 * A chunk's piece (chunks.ts): its part of the source's video stream-copied, timestamps kept
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

/** One HLS output of the tee: the selected stream as fMP4 segments under hls/<dir>/. */
function hlsSlave(selector: string, dir: string, segmentSeconds: number): string {
  return (
    `[f=hls:select=\\'${selector}\\':hls_time=${segmentSeconds}:hls_playlist_type=vod:hls_segment_type=fmp4` +
    `:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4` +
    `:hls_segment_filename=${layout.hlsSegmentPattern(dir)}]${layout.hlsPlaylist(dir)}`
  );
}

/**
 * The source's audio encoded once per bitrate (AAC, stereo at most): its maps and its options.
 * Timestamps that do not advance with the samples are timed by the sample count; then the
 * loudness pass, when the job asks for one. Nothing without audio or rates.
 */
function encodeAudio(
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

/** One concat demuxer list: the files in order, single quotes escaped as the format wants. */
export function concatList(paths: readonly string[]): string {
  return paths.map((p) => `file '${p.replace(/'/g, "'\\''")}'\n`).join('');
}

/** The distinct audio bitrates of a ladder, highest rung's first; none without audio. */
export function ladderAudioRates(
  rungs: readonly Pick<PlannedRung, 'audioKbps'>[],
  source: Pick<SourceInfo, 'audio'> | undefined,
): number[] {
  if (!source?.audio) return [];
  return [...new Set(rungs.map((r) => r.audioKbps).filter((k): k is number => k !== undefined))];
}

/**
 * Where a chunk's frames sit on the source's timeline (its first frame's time: the chunk's
 * boundary plus its key offset), and the number of its first thumbnail.
 */
function chunkThumbnails(
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
  const slaves = spec.rates.flatMap((kbps, j) => [
    ...(spec.formats.includes('hls')
      ? [hlsSlave(`a:${j}`, layout.audioRendition(kbps), spec.segmentSeconds)]
      : []),
    ...(spec.formats.includes('mp4')
      ? [`[f=mp4:select=\\'a:${j}\\']${layout.chunkAudio(kbps)}`]
      : []),
  ]);
  const encoding = encodeAudio(audio, spec.rates, spec.loudnessFilter);
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
        target: slaves.join('|'),
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

/**
 * One rung of a chunked source, stitched: its chunks joined by the concat demuxer with stream
 * copy (no re-encode; each chunk starts on a keyframe), written as the same HLS video track and
 * MP4 (with the whole audio muxed in) a single run writes. `list` is a concat list (relative to
 * cwd) of the rung's chunk files in order; `audio` the M4A of the rung's audio bitrate.
 */
export function buildStitchInvocation(spec: {
  readonly list: string;
  readonly rung: Pick<PlannedRung, 'name'>;
  readonly audio?: string;
  readonly formats: readonly OutputFormat[];
  readonly segmentSeconds: number;
  readonly cwd: string;
}): FfmpegInvocation {
  const slaves = [
    ...(spec.formats.includes('hls') ? [hlsSlave('v:0', spec.rung.name, spec.segmentSeconds)] : []),
    ...(spec.formats.includes('mp4')
      ? [
          `[f=mp4:select=\\'v:0${spec.audio ? ',a:0' : ''}\\':movflags=+faststart]${layout.mp4(spec.rung.name)}`,
        ]
      : []),
  ];
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
        target: slaves.join('|'),
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
    directories: [
      ...(spec.formats.includes('hls') ? [layout.hlsDir(spec.rung.name)] : []),
      ...(spec.formats.includes('mp4') ? ['mp4'] : []),
    ],
  };
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
  const width = Math.min(1280, spec.top.width);
  const height = even((width * spec.top.height) / spec.top.width);
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [...SAFE_INPUT_OPTIONS],
    complexFilter: `[0:${spec.source.video.index}]scale=w=${width}:h=${height},setsar=1[poster]`,
    outputs: [
      {
        target: layout.poster,
        options: [
          '-map',
          '[poster]',
          '-frames:v',
          '1',
          '-q:v',
          '3',
          '-f',
          'image2',
          '-update',
          '1',
        ],
      },
    ],
    directories: [],
  };
}

/**
 * One text subtitle track of the source as WebVTT (ffmpeg's subtitle decoders, its WebVTT
 * encoder), on the outputs' timeline: ffmpeg shifts it by the file's start as it does the ladder.
 */
export function buildSubtitleInvocation(spec: {
  readonly sourcePath: string;
  readonly streamIndex: number;
  /** Relative to cwd. */
  readonly target: string;
  readonly cwd: string;
}): FfmpegInvocation {
  return {
    cwd: spec.cwd,
    input: spec.sourcePath,
    inputOptions: [...SAFE_INPUT_OPTIONS],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: ['-map', `0:${spec.streamIndex}`, '-c:s', 'webvtt', '-f', 'webvtt'],
      },
    ],
    directories: [dirnameOf(spec.target)],
  };
}

/**
 * The CEA-608 captions (CC1) carried in an encoded rendition, as WebVTT: the movie source reads
 * the file, the decoder exports each frame's A/53 caption bytes, ffmpeg's ccaption decoder turns
 * them into text. The rendition is our own output, read through lavfi: `rendition` is relative
 * to cwd and made of characters that need no escaping in a filter graph (checked).
 */
export function buildCaptionInvocation(spec: {
  readonly rendition: string;
  readonly target: string;
  readonly cwd: string;
}): FfmpegInvocation {
  if (!/^[A-Za-z0-9._/-]+$/.test(spec.rendition)) {
    throw new Error(`caption source path needs escaping: ${spec.rendition}`);
  }
  return {
    cwd: spec.cwd,
    input: `movie=${spec.rendition}[out0+subcc]`,
    inputOptions: [...RUN_OPTIONS, '-f', 'lavfi'],
    complexFilter: '',
    outputs: [
      {
        target: spec.target,
        options: ['-map', '0:1', '-c:s', 'webvtt', '-f', 'webvtt'],
      },
    ],
    directories: [dirnameOf(spec.target)],
  };
}

function dirnameOf(relative: string): string {
  const i = relative.lastIndexOf('/');
  return i < 0 ? '.' : relative.slice(0, i);
}

/** The argv after `ffmpeg`, in the order fluent-ffmpeg emits it (a test pins the two together). */
export function toArgv(inv: FfmpegInvocation): string[] {
  return [
    ...inv.inputOptions,
    '-i',
    inv.input,
    ...(inv.moreInputs ?? []).flatMap((m) => [...m.options, '-i', m.input]),
    '-y',
    ...(inv.complexFilter ? ['-filter_complex', inv.complexFilter] : []),
    ...inv.outputs.flatMap((o) => [...o.options, o.target]),
  ];
}

/**
 * Where each rung is scaled from: the smallest larger rung at least twice its size on both
 * sides, else the source (undefined). A downscale by more than 2x needs a wide, costly filter
 * kernel; taking 360p from 720p rather than from 2160p keeps every scale cheap, and a 2x step
 * from a good downscale loses next to nothing (measured: SSIM within 0.001 of a direct scale;
 * see the README).
 */
export function scalingParents(
  rungs: readonly Pick<PlannedRung, 'width' | 'height'>[],
): (number | undefined)[] {
  return rungs.map((rung, i) => {
    let parent: number | undefined;
    for (let j = 0; j < i; j++) {
      const candidate = rungs[j]!;
      if (candidate.width >= 2 * rung.width && candidate.height >= 2 * rung.height) {
        if (parent === undefined || candidate.width < rungs[parent]!.width) parent = j;
      }
    }
    return parent;
  });
}

/** Thumbnails keep the top rung's aspect ratio. */
export function thumbnailHeight(
  t: Pick<ThumbnailSpec, 'width'>,
  top: Pick<PlannedRung, 'width' | 'height'>,
): number {
  return even((t.width * top.height) / top.width);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

function even(value: number): number {
  return Math.max(2, evenFloor(value));
}

/** A frame rate for ffmpeg: the NTSC rates as exact fractions (30000/1001), others as decimals. */
export function fpsExpression(fps: number): string {
  for (const base of [24, 30, 48, 60, 96, 120, 240]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.001) return `${base * 1000}/1001`;
  }
  return Number(fps.toFixed(4)).toString();
}

/** Seconds for ffmpeg expressions: no exponent notation, no trailing zeros. */
function fmt(seconds: number): string {
  return Number(seconds.toFixed(3)).toString();
}
