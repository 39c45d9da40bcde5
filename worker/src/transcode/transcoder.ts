import { copyFile, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError, InvalidMediaError, MissingDecoderError } from '../base/errors.ts';
import type { AudioPolicy, JobRequest, SubtitlePolicy } from '../contract/message.ts';
import {
  buildAudioInvocation,
  buildLadderInvocation,
  buildPosterInvocation,
  buildSpriteInvocation,
  buildStitchInvocation,
  concatList,
  fpsExpression,
  ladderAudioRates,
  DEFAULT_ENCODER,
  thumbnailHeight,
  type EncoderSettings,
  type ThumbnailSpec,
} from './encode/ladder-run.ts';
import {
  measureLoudness,
  runFfmpeg,
  runFfprobe,
  sampleInterlacing,
  scanPackets,
  type FfmpegPaths,
} from './ffmpeg/run.ts';
import {
  loudnessAnalysisFilter,
  loudnessFilter,
  parseLoudnessReport,
  type LoudnessMeasurement,
  type LoudnessTarget,
} from './encode/loudness.ts';
import {
  interlaceCheckNeeded,
  parseIdet,
  withDetectedInterlacing,
} from './picture/picture-path.ts';
import {
  AAC_LC_CODEC,
  buildMasterPlaylist,
  type SubtitleRendition,
  type Variant,
} from './package/hls.ts';
import { planLadder } from './ladder/ladder.ts';
import { layout } from './ladder/layout.ts';
import {
  interpretProbe,
  packetScanNeeded,
  refuseEncrypted,
  type SourceInfo,
} from './source/probe.ts';
import { percentDone } from './ffmpeg/progress.ts';
import { sniffNonVideo } from './source/sniff.ts';
import { buildThumbnailVtt } from './package/thumbnail-index.ts';
import {
  emptyDirectory,
  fileSize,
  inspectFile,
  listOutputFiles,
  readHead,
  type OutputFile,
} from './files/local-files.ts';
import {
  finishAudioRendition,
  finishRendition,
  type AudioRenditionSummary,
  type RenditionSummary,
} from './package/rendition.ts';
import { cutAudioPiece, cutPieces, type AudioPiece, type PieceOutcome } from './split/pieces.ts';
import { makeSubtitles, type SubtitleOutcome } from './package/subtitle-outputs.ts';
import { languageName } from './source/subtitle-tracks.ts';
import { buildDashManifest, type DashPresentation } from './package/dash.ts';
import {
  DEFAULT_CHUNKING,
  planChunks,
  posterInChunk,
  type ChunkPlan,
  type ChunkSettings,
  type ChunkWindow,
} from './split/chunks.ts';
import {
  checkComplete,
  checkLimits,
  posterTime,
  withoutAudio,
  type MediaLimits,
} from './source/source-checks.ts';

export interface TranscoderOptions {
  readonly paths: FfmpegPaths;
  readonly limits: MediaLimits;
  readonly encoder?: EncoderSettings;
  readonly segmentSeconds?: number;
}

export interface TranscodeInput {
  readonly sourcePath: string;
  /** An empty directory the outputs are written into. */
  readonly outDir: string;
  readonly request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'> & {
    /** Default `auto`. */
    readonly audio?: AudioPolicy;
    /** Default `auto`. */
    readonly subtitles?: SubtitlePolicy;
    readonly loudness?: JobRequest['loudness'];
  };
  readonly signal: AbortSignal;
  /** The source as probe() read it, when the caller already did. */
  readonly probed?: SourceInfo;
  readonly onProgress?: (progress: {
    percent: number;
    speed?: number;
    rungs: readonly string[];
  }) => void;
}

export interface TranscodeResult {
  readonly source: SourceInfo;
  /**
   * `encoded`; `none` (the source has no audio); `omitted` (the request said none);
   * `undecodable` (the source's audio could not be decoded, the outputs go without it).
   */
  readonly audio: 'encoded' | 'none' | 'omitted' | 'undecodable';
  /** What a person should know about the outputs (audio left out, ...). */
  readonly warnings: readonly string[];
  readonly renditions: readonly RenditionSummary[];
  readonly files: readonly OutputFile[];
  readonly masterPlaylist?: string;
  /** The DASH manifest over the same CMAF segments (beside the master playlist). */
  readonly dashManifest?: string;
  /** With HLS: the audio, once per bitrate, as renditions the rungs share. */
  readonly audioRenditions: readonly AudioRenditionSummary[];
  /** The subtitle and caption tracks published as WebVTT, and the ones left out with why. */
  readonly subtitles: SubtitleOutcome;
  /** The loudness target the audio was normalized to, and what the source measured. */
  readonly loudness?: LoudnessTarget & { readonly measured: LoudnessMeasurement };
  readonly poster: string;
  readonly thumbnails?: { readonly count: number; readonly index: string };
}

const THUMBNAIL_GRID = { width: 160, columns: 5, rows: 5 } as const;
/**
 * Packets read with the probe (all streams): enough for a few seconds of video to measure the
 * frame rate from, and the whole of a short file, at the cost of a few hundred demuxed packets.
 */
const PROBE_PACKETS = 600;
/** Frames idet looks at: 8 s of 25 fps (measured: 2.5 s on 2 cores for 1080p H.264 at 16 Mbps). */
const IDET_SAMPLE_FRAMES = 200;
/** Probe, plan, run the one ffmpeg, then describe and check what it wrote. */
export class Transcoder {
  readonly #options: Required<TranscoderOptions>;

  constructor(options: TranscoderOptions) {
    this.#options = { encoder: DEFAULT_ENCODER, segmentSeconds: 4, ...options };
  }

  /**
   * Reads the source's streams and refuses it, before any decoding, if it is not a usable
   * video or breaks a limit. The container's claims are checked against its boxes and packets
   * (probe.ts says how).
   */
  async probe(sourcePath: string, signal?: AbortSignal): Promise<SourceInfo> {
    const { paths, limits } = this.#options;
    const sniffed = sniffNonVideo(await readHead(sourcePath, 4096));
    if (sniffed) {
      throw new InvalidMediaError(
        `the source is ${sniffed}, not a video container: playlists, concat lists, images, image sequences and stream descriptions are refused`,
      );
    }
    // Before ffprobe: it fails on some encrypted files with an unrelated reason.
    const isoBmff = await inspectFile(sourcePath);
    refuseEncrypted([], isoBmff);
    const json = await runFfprobe(paths, sourcePath, signal, { packets: PROBE_PACKETS });
    const context = {
      packetWindow: PROBE_PACKETS,
      maxDurationSeconds: limits.maxDurationSeconds,
      ...(isoBmff ? { isoBmff } : {}),
    };
    const scan = packetScanNeeded(json, context);
    const scannedPackets = scan
      ? await scanPackets(paths, sourcePath, scan.streamIndex, signal)
      : undefined;
    const info = interpretProbe(json, {
      ...context,
      ...(scannedPackets ? { scannedPackets } : {}),
    });
    checkLimits(info, limits);
    return this.#checkInterlacing(info, sourcePath, signal);
  }

  /**
   * A source in an interlaced format whose stream does not say it is interlaced: idet on a
   * sample from a third of the way in (past titles and black) decides (picture.ts).
   */
  async #checkInterlacing(
    info: SourceInfo,
    sourcePath: string,
    signal?: AbortSignal,
  ): Promise<SourceInfo> {
    const picture = info.video.picture;
    if (!picture || !interlaceCheckNeeded(info.video)) return info;
    let log: string;
    try {
      log = await sampleInterlacing(
        this.#options.paths,
        sourcePath,
        info.video.index,
        info.video.durationSeconds > 30 ? info.video.durationSeconds / 3 : 0,
        IDET_SAMPLE_FRAMES,
        signal,
      );
    } catch (err) {
      if (err instanceof InterruptedError || signal?.aborted) throw err;
      return {
        ...info,
        notes: [...info.notes, `interlacing not checked (${(err as Error).message})`],
      };
    }
    const counts = parseIdet(log);
    const checked = counts ? withDetectedInterlacing(picture, counts) : picture;
    if (checked === picture) return info;
    return {
      ...info,
      video: { ...info.video, picture: checked },
      notes: [...checked.notes.filter((n) => !picture.notes.includes(n)), ...info.notes],
    };
  }

  async transcode(input: TranscodeInput): Promise<TranscodeResult> {
    const probed = input.probed ?? (await this.probe(input.sourcePath, input.signal));
    const policy = input.request.audio ?? 'auto';
    const warnings: string[] = [];
    let { audio, source } = audioDecision(probed, policy);
    const loudness = await this.#measureLoudness(input, source, warnings);
    try {
      await this.#runLadder(input, source, loudness?.filter);
    } catch (err) {
      // A decoder this ffmpeg lacks shows only when ffmpeg opens it, before any frame.
      if (!(err instanceof MissingDecoderError) || err.stream !== source.audio?.index) throw err;
      if (policy === 'required') {
        throw new InvalidMediaError(`${err.message}, and the job requires audio`, { cause: err });
      }
      audio = 'undecodable';
      source = withoutAudio(probed);
      await emptyDirectory(input.outDir);
      await this.#runLadder(input, source);
    }
    const normalized = audio === 'encoded' ? loudness?.result : undefined;
    const sourcePath = () => Promise.resolve(input.sourcePath);
    return this.#finish(input, { probed, source, audio, warnings, normalized, sourcePath });
  }

  /**
   * Describes and completes what the ladder wrote: the poster (a fallback run if its frame was
   * missing), each rendition measured and checked, the subtitles, the master playlist, the DASH
   * manifest and the thumbnail index.
   */
  async #finish(
    input: Omit<TranscodeInput, 'sourcePath'>,
    ctx: {
      /** The source, only for a fallback poster or subtitle tracks (a stitch downloads it then). */
      readonly sourcePath: () => Promise<string>;
      readonly probed: SourceInfo;
      readonly source: SourceInfo;
      readonly audio: TranscodeResult['audio'];
      readonly warnings: string[];
      readonly normalized?: TranscodeResult['loudness'];
    },
  ): Promise<TranscodeResult> {
    const { probed, source, audio, warnings, normalized } = ctx;
    if (audio === 'undecodable') {
      warnings.push(
        `${probed.undecodableAudio?.reason ?? `the source's audio (${probed.audio?.codec}) cannot be decoded by this worker`}; the outputs have no audio`,
      );
    }
    const { rungs, thumbnails } = this.#plan(input, source);
    const { formats } = input.request;

    if (!(await fileSize(join(input.outDir, layout.poster)))) {
      // The poster's time lies in the video, but a damaged stream may still leave no frame
      // there: take the first frame that decodes, so the record never names a missing file.
      await runFfmpeg(
        this.#options.paths,
        buildPosterInvocation({
          sourcePath: await ctx.sourcePath(),
          source,
          top: rungs[0]!,
          cwd: input.outDir,
        }),
        { signal: input.signal },
      );
      if (!(await fileSize(join(input.outDir, layout.poster)))) {
        throw new InvalidMediaError('no frame of the source could be decoded for the poster');
      }
    }

    // With HLS, each audio encode is a rendition of its own; the rungs name theirs.
    const audioRenditions =
      formats.includes('hls') && source.audio
        ? await Promise.all(
            [...new Set(rungs.map((r) => r.audioKbps).filter((k) => k !== undefined))].map((kbps) =>
              finishAudioRendition(input.outDir, {
                kbps,
                channels: Math.min(2, source.audio!.channels),
                sampleRate: source.audio!.sampleRate,
              }),
            ),
          )
        : [];
    const renditions = await Promise.all(
      rungs.map((r) =>
        finishRendition(
          this.#options.paths,
          input.outDir,
          r,
          formats,
          input.signal,
          audioRenditions.find((a) => a.kbps === r.audioKbps),
        ),
      ),
    );
    checkComplete(source, renditions[0]!);

    const subtitles: SubtitleOutcome =
      input.request.subtitles === 'none'
        ? { published: [], leftOut: [] }
        : await makeSubtitles({
            paths: this.#options.paths,
            sourcePath: ctx.sourcePath,
            outDir: input.outDir,
            tracks: source.subtitles.tracks,
            captionRung: rungs.filter((r) => r.frameStep === 1).at(-1)!.name,
            formats,
            durationSeconds: renditions[0]!.durationSeconds || source.durationSeconds,
            signal: input.signal,
          });
    const planned = input.request.subtitles === 'none' ? [] : source.subtitles.leftOut;
    for (const left of [...planned, ...subtitles.leftOut]) {
      warnings.push(
        left.streamIndex === undefined
          ? left.reason
          : `subtitle track #${left.streamIndex} (${left.codec}) not converted: ${left.reason}`,
      );
    }

    let masterPlaylist: string | undefined;
    let dashManifest: string | undefined;
    if (formats.includes('hls')) {
      const audioLanguage = source.audio?.language;
      const audioName = audioLanguage ? languageName(audioLanguage) : 'Audio';
      const variants: Variant[] = renditions.map((r) => ({
        uri: `${r.name}/playlist.m3u8`,
        bandwidth: r.peakBitrateKbps * 1000,
        averageBandwidth: r.averageBitrateKbps * 1000,
        width: r.width,
        height: r.height,
        codecs: r.codecs,
        frameRate: r.frameRate,
        ...(r.audio ? { audioGroup: r.audio } : {}),
      }));
      const subtitleRenditions: SubtitleRendition[] = subtitles.published.map((t) => ({
        uri: t.hlsPlaylist!.slice('hls/'.length),
        name: t.name,
        ...(t.language ? { language: t.language } : {}),
        default: t.default,
        forced: t.forced,
      }));
      await writeFile(
        join(input.outDir, layout.hlsMaster),
        buildMasterPlaylist(
          variants,
          subtitleRenditions,
          audioRenditions.map((a) => ({
            groupId: a.name,
            uri: `${a.name}/playlist.m3u8`,
            name: audioName,
            ...(audioLanguage ? { language: audioLanguage } : {}),
            channels: a.channels,
          })),
        ),
      );
      masterPlaylist = layout.hlsMaster;
      const manifest = dashPresentation({
        renditions,
        audio: audioRenditions,
        subtitles: subtitles.published,
        segmentSeconds: this.#options.segmentSeconds,
        ...(audioLanguage ? { audioLanguage } : {}),
      });
      if (manifest) {
        await writeFile(join(input.outDir, layout.dashManifest), buildDashManifest(manifest));
        dashManifest = layout.dashManifest;
      } else {
        warnings.push('no DASH manifest: a segment’s timing could not be read');
      }
    }

    let thumbnailIndex: TranscodeResult['thumbnails'];
    if (thumbnails) {
      const count = (await readdir(join(input.outDir, 'thumbnails'))).filter((f) =>
        f.startsWith('thumb_'),
      ).length;
      const vtt = buildThumbnailVtt({
        count,
        intervalSeconds: thumbnails.intervalSeconds,
        durationSeconds: source.durationSeconds,
        width: thumbnails.width,
        height: thumbnailHeight(thumbnails, rungs[0]!),
        columns: thumbnails.columns,
        rows: thumbnails.rows,
      });
      await writeFile(join(input.outDir, layout.thumbnailIndex), vtt);
      thumbnailIndex = { count, index: layout.thumbnailIndex };
    }

    return {
      source: probed,
      audio,
      warnings,
      renditions,
      files: await listOutputFiles(input.outDir),
      ...(masterPlaylist ? { masterPlaylist } : {}),
      ...(dashManifest ? { dashManifest } : {}),
      audioRenditions,
      subtitles,
      ...(normalized ? { loudness: normalized } : {}),
      poster: layout.poster,
      ...(thumbnailIndex ? { thumbnails: thumbnailIndex } : {}),
    };
  }

  /**
   * The chunks a long source is cut into (chunks.ts), or undefined when one run should do it.
   * Every chunk boundary is a segment boundary of every rung.
   */
  planChunks(
    source: SourceInfo,
    request: TranscodeInput['request'],
    settings: ChunkSettings = DEFAULT_CHUNKING,
  ): ChunkPlan | undefined {
    const rungs = planLadder(source, request.ladder);
    return planChunks({
      durationSeconds: source.video.durationSeconds,
      frameRate: fpsExpression(source.video.frameRate),
      frameStep: Math.max(...rungs.map((r) => r.frameStep)),
      segmentSeconds: this.#options.segmentSeconds,
      settings,
    });
  }

  /**
   * One chunk of a long source, as one Job does it: only the chunk's frames are read, every
   * rung's video encoded in one ffmpeg (as a single run does it, keyframes on the source's
   * segment grid) to `chunk/<rung>.mp4` in `outDir`, with the chunk's thumbnails and, if its
   * frame lies in the chunk, the poster.
   */
  async encodeChunk(
    input: TranscodeInput & {
      readonly source: SourceInfo;
      readonly window: ChunkWindow;
      /** `sourcePath` is the chunk's piece (cutPieces), read from here. */
      readonly piece?: { readonly seekSeconds: number };
    },
  ): Promise<void> {
    const source = withoutAudio(input.source);
    const { rungs, thumbnails } = this.#plan(input, source);
    const { window, piece } = input;
    await runFfmpeg(
      this.#options.paths,
      buildLadderInvocation({
        sourcePath: input.sourcePath,
        // A piece holds the video alone.
        source: piece ? { ...source, video: { ...source.video, index: 0 } } : source,
        ...(piece ? { pieceSeekSeconds: piece.seekSeconds } : {}),
        rungs,
        formats: input.request.formats,
        segmentSeconds: this.#options.segmentSeconds,
        encoder: this.#options.encoder,
        posterAtSeconds: posterInChunk(window, posterTime(source) - source.video.startSeconds),
        thumbnails,
        keepCaptions: input.request.subtitles !== 'none',
        window,
        cwd: input.outDir,
      }),
      { signal: input.signal },
    );
  }

  /**
   * Each chunk's piece of a long source, stream-copied into `outDir` (pieces.ts): a chunk's Job
   * downloads its piece, not the whole source. A chunk without one reads the whole source.
   */
  cutPieces(input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly chunks: ChunkPlan;
    readonly outDir: string;
    readonly signal: AbortSignal;
  }): Promise<PieceOutcome[]> {
    return cutPieces(this.#options.paths, input);
  }

  /**
   * The audio track of a long source alone, stream-copied into `outDir` and checked to decode
   * as the source's does (pieces.ts): the audio's Job downloads it instead of the source.
   */
  cutAudioPiece(input: {
    readonly sourcePath: string;
    readonly source: SourceInfo;
    readonly outDir: string;
    readonly signal: AbortSignal;
  }): Promise<AudioPiece | { readonly reason: string }> {
    return cutAudioPiece(this.#options.paths, input);
  }

  /**
   * The audio of a chunked source, once for its whole duration (no AAC priming gap at a chunk
   * boundary), loudness-normalized when asked: the HLS audio renditions and the M4As the
   * stitch muxes into the MP4s, in `outDir`. Says what became of the audio. `sourcePath` is
   * called only when there is audio to encode; with `piece` it gives the audio's piece.
   */
  async encodeAudio(
    input: Omit<TranscodeInput, 'sourcePath'> & {
      readonly sourcePath: () => Promise<string>;
      readonly probed: SourceInfo;
      /** `sourcePath` is the audio's piece (cutAudioPiece), read from here. */
      readonly piece?: Pick<AudioPiece, 'offsetSeconds'>;
    },
  ): Promise<AudioOutcome> {
    const policy = input.request.audio ?? 'auto';
    const warnings: string[] = [];
    const decision = audioDecision(input.probed, policy);
    if (decision.audio !== 'encoded') return { audio: decision.audio, warnings };
    const { rungs } = this.#plan(input, decision.source);
    const { piece } = input;
    const read = { ...input, sourcePath: await input.sourcePath() };
    // A piece holds the audio alone.
    const source =
      piece && decision.source.audio
        ? { ...decision.source, audio: { ...decision.source.audio, index: 0 } }
        : decision.source;
    const loudness = await this.#measureLoudness(read, source, warnings);
    try {
      await runFfmpeg(
        this.#options.paths,
        buildAudioInvocation({
          sourcePath: read.sourcePath,
          source,
          rates: ladderAudioRates(rungs, source),
          formats: input.request.formats,
          segmentSeconds: this.#options.segmentSeconds,
          ...(loudness ? { loudnessFilter: loudness.filter } : {}),
          ...(piece ? { offsetSeconds: piece.offsetSeconds } : {}),
          cwd: input.outDir,
        }),
        { signal: input.signal },
      );
    } catch (err) {
      if (!(err instanceof MissingDecoderError)) throw err;
      if (policy === 'required') {
        throw new InvalidMediaError(`${err.message}, and the job requires audio`, { cause: err });
      }
      await emptyDirectory(input.outDir);
      return { audio: 'undecodable', warnings };
    }
    return { audio: 'encoded', warnings, ...(loudness ? { loudness: loudness.result } : {}) };
  }

  /**
   * Joins a chunked source's parts into the outputs a single run writes, in `outDir`: each
   * rung's chunks by stream copy (the concat demuxer: no re-encode), the audio muxed into the
   * MP4s and its HLS renditions beside the video, the thumbnails' sprites tiled; then described
   * and checked as transcode() does. `chunkDirs` in chunk order. `sourcePath` is called only
   * when the source itself is needed: for its subtitle tracks, or a fallback poster.
   */
  async assemble(
    input: Omit<TranscodeInput, 'sourcePath'> & {
      readonly sourcePath: () => Promise<string>;
      readonly probed: SourceInfo;
      readonly chunkDirs: readonly string[];
      readonly audioDir?: string;
      readonly audio: AudioOutcome;
    },
  ): Promise<TranscodeResult> {
    const { paths, segmentSeconds } = this.#options;
    const source = input.audio.audio === 'encoded' ? input.probed : withoutAudio(input.probed);
    const { rungs, thumbnails } = this.#plan(input, source);
    const { formats } = input.request;
    const out = input.outDir;
    await mkdir(join(out, layout.chunkDir), { recursive: true });
    for (const dir of input.chunkDirs) {
      if (thumbnails) await copyTree(join(dir, 'thumbnails'), join(out, 'thumbnails'));
      if (await fileSize(join(dir, layout.poster))) {
        await copyFile(join(dir, layout.poster), join(out, layout.poster));
      }
    }
    if (input.audioDir && formats.includes('hls')) {
      await copyTree(join(input.audioDir, 'hls'), join(out, 'hls'));
    }
    for (const rung of rungs) {
      const list = `${layout.chunkDir}/${rung.name}.txt`;
      await writeFile(
        join(out, list),
        concatList(input.chunkDirs.map((d) => join(d, layout.chunkVideo(rung.name)))),
      );
      // The audio run writes an M4A per bitrate only for the MP4s (HLS has its own renditions).
      const m4a =
        input.audioDir && source.audio && rung.audioKbps !== undefined && formats.includes('mp4')
          ? join(input.audioDir, layout.chunkAudio(rung.audioKbps))
          : undefined;
      await runFfmpeg(
        paths,
        buildStitchInvocation({
          list,
          rung,
          ...(m4a ? { audio: m4a } : {}),
          formats,
          segmentSeconds,
          cwd: out,
        }),
        { signal: input.signal },
      );
    }
    if (thumbnails) {
      await runFfmpeg(paths, buildSpriteInvocation({ thumbnails, cwd: out }), {
        signal: input.signal,
      });
    }
    await rm(join(out, layout.chunkDir), { recursive: true, force: true });
    return this.#finish(input, {
      sourcePath: input.sourcePath,
      probed: input.probed,
      source,
      audio: input.audio.audio,
      warnings: [...input.audio.warnings],
      ...(input.audio.loudness ? { normalized: input.audio.loudness } : {}),
    });
  }

  /** The rungs and thumbnail grid for a source (pure; the same for a run and its retry). */
  #plan(input: Pick<TranscodeInput, 'request'>, source: SourceInfo) {
    const rungs = planLadder(source, input.request.ladder);
    const thumbnails: ThumbnailSpec | false =
      input.request.thumbnails === false
        ? false
        : { intervalSeconds: input.request.thumbnails.intervalSeconds, ...THUMBNAIL_GRID };
    return { rungs, thumbnails };
  }

  /**
   * The first loudness pass, when the job asks for a target and has audio: the ladder's filter
   * and what the record says. A silent track, or one the pass cannot read, is left as it is.
   */
  async #measureLoudness(
    input: TranscodeInput,
    source: SourceInfo,
    warnings: string[],
  ): Promise<{ filter: string; result: NonNullable<TranscodeResult['loudness']> } | undefined> {
    const target = input.request.loudness;
    if (!target || !source.audio) return undefined;
    let log: string;
    try {
      log = await measureLoudness(
        this.#options.paths,
        input.sourcePath,
        source.audio.index,
        loudnessAnalysisFilter(target),
        input.signal,
      );
    } catch (err) {
      if (err instanceof InterruptedError || input.signal.aborted) throw err;
      warnings.push(`the audio's loudness could not be measured; it was not changed`);
      return undefined;
    }
    const measured = parseLoudnessReport(log);
    if (!measured) {
      warnings.push('the audio is silent: its loudness was not changed');
      return undefined;
    }
    return {
      filter: loudnessFilter(target, measured, source.audio.sampleRate),
      result: { ...target, measured },
    };
  }

  /** The one ffmpeg run that makes the ladder, the poster and the thumbnails. */
  async #runLadder(
    input: TranscodeInput,
    source: SourceInfo,
    loudnessFilter?: string,
  ): Promise<void> {
    const { paths, encoder, segmentSeconds } = this.#options;
    const { rungs, thumbnails } = this.#plan(input, source);
    const inv = buildLadderInvocation({
      sourcePath: input.sourcePath,
      source,
      rungs,
      formats: input.request.formats,
      segmentSeconds,
      encoder,
      posterAtSeconds: posterTime(source),
      thumbnails,
      keepCaptions: input.request.subtitles !== 'none',
      ...(loudnessFilter ? { loudnessFilter } : {}),
      cwd: input.outDir,
    });
    const onProgress = input.onProgress;
    const names = rungs.map((r) => r.name);
    onProgress?.({ percent: 0, rungs: names });
    await runFfmpeg(paths, inv, {
      signal: input.signal,
      ...(onProgress
        ? {
            onProgress: (p) =>
              onProgress({
                percent: percentDone(p, source.durationSeconds),
                ...(p.speed !== undefined ? { speed: p.speed } : {}),
                rungs: names,
              }),
          }
        : {}),
    });
  }
}

/**
 * The DASH view of the HLS tree: every rung's video and every audio rendition with the
 * timelines read from their segments, the WebVTT sidecars as text tracks. Undefined when a
 * track's timeline could not be read (the HLS outputs stand alone then).
 */
function dashPresentation(p: {
  readonly renditions: readonly RenditionSummary[];
  readonly audio: readonly AudioRenditionSummary[];
  readonly subtitles: SubtitleOutcome['published'];
  readonly segmentSeconds: number;
  readonly audioLanguage?: string;
}): DashPresentation | undefined {
  const video: DashPresentation['video'][number][] = [];
  for (const r of p.renditions) {
    if (!r.hls?.timeline) return undefined;
    video.push({
      id: r.name,
      bandwidth: r.hls.peakKbps * 1000,
      codecs: r.codecs.split(',')[0]!,
      timeline: r.hls.timeline,
      width: r.width,
      height: r.height,
      frameRate: fpsExpression(r.frameRate),
    });
  }
  const audio: DashPresentation['audio'][number][] = [];
  for (const a of p.audio) {
    if (!a.hls.timeline) return undefined;
    audio.push({
      id: a.name,
      bandwidth: a.hls.peakKbps * 1000,
      codecs: AAC_LC_CODEC,
      timeline: a.hls.timeline,
      sampleRate: a.sampleRate,
      channels: a.channels,
    });
  }
  return {
    durationSeconds: p.renditions[0]!.hls!.durationSeconds,
    segmentSeconds: p.segmentSeconds,
    video,
    audio,
    text: p.subtitles.map((t) => ({
      id: t.id,
      uri: `../${t.vtt}`,
      label: t.name,
      ...(t.language ? { language: t.language } : {}),
      kind: t.kind,
      default: t.default,
    })),
    ...(p.audioLanguage ? { audioLanguage: p.audioLanguage } : {}),
  };
}

/** What became of a chunked source's audio (Transcoder.encodeAudio). */
export interface AudioOutcome {
  readonly audio: TranscodeResult['audio'];
  readonly warnings: readonly string[];
  readonly loudness?: TranscodeResult['loudness'];
}

/** Whether the outputs carry the source's audio, by the job's policy; refuses what it must. */
function audioDecision(
  probed: SourceInfo,
  policy: AudioPolicy,
): { audio: TranscodeResult['audio']; source: SourceInfo } {
  let audio: TranscodeResult['audio'] = probed.audio ? 'encoded' : 'none';
  if (policy === 'none' && probed.audio) audio = 'omitted';
  if (!probed.audio && probed.undecodableAudio) audio = 'undecodable';
  if (policy === 'required' && audio !== 'encoded') {
    throw new InvalidMediaError(
      probed.undecodableAudio
        ? `${probed.undecodableAudio.reason}, and the job requires audio`
        : 'the source has no audio track, and the job requires audio',
    );
  }
  return { audio, source: audio === 'encoded' ? probed : withoutAudio(probed) };
}

/** Copies a directory's files into another, merging; a missing directory copies nothing. */
async function copyTree(from: string, to: string): Promise<void> {
  try {
    await cp(from, to, { recursive: true, force: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}
