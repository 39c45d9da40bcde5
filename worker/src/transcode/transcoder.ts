import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidMediaError, MissingDecoderError } from '../base/errors.ts';
import type { AudioPolicy, JobRequest } from '../contract/message.ts';
import {
  buildLadderInvocation,
  buildPosterInvocation,
  DEFAULT_ENCODER,
  thumbnailHeight,
  type EncoderSettings,
  type ThumbnailSpec,
} from './ffmpeg-args.ts';
import { runFfmpeg, runFfprobe, scanPackets, type FfmpegPaths } from './ffmpeg.ts';
import {
  AAC_LC_CODEC,
  avcCodecString,
  buildMasterPlaylist,
  parseMediaPlaylist,
  type Variant,
} from './hls.ts';
import { planLadder, type PlannedRung } from './ladder.ts';
import { layout, outputFileKind } from './output-layout.ts';
import { inspectIsoBmff, type IsoBmffSummary } from './iso-bmff.ts';
import { interpretProbe, packetScanNeeded, refuseEncrypted, type SourceInfo } from './probe.ts';
import { percentDone } from './progress.ts';
import { sniffNonVideo } from './sniff.ts';
import { buildThumbnailVtt } from './thumbnails.ts';

export interface MediaLimits {
  readonly maxDurationSeconds: number;
  /** Largest side of the displayed picture, in pixels. */
  readonly maxDimension: number;
  readonly maxFrameRate: number;
}

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
  };
  readonly signal: AbortSignal;
  readonly onProgress?: (progress: {
    percent: number;
    speed?: number;
    rungs: readonly string[];
  }) => void;
}

export interface OutputFile {
  readonly relativeKey: string;
  readonly path: string;
  readonly size: number;
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface RenditionSummary {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly codecs: string;
  readonly frameRate: number;
  readonly durationSeconds: number;
  readonly averageBitrateKbps: number;
  readonly peakBitrateKbps: number;
  readonly mp4?: { readonly key: string; readonly size: number };
  readonly hls?: { readonly playlist: string; readonly segments: number; readonly bytes: number };
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
  readonly poster: string;
  readonly thumbnails?: { readonly count: number; readonly index: string };
}

const THUMBNAIL_GRID = { width: 160, columns: 5, rows: 5 } as const;
/**
 * Packets read with the probe (all streams): enough for a few seconds of video to measure the
 * frame rate from, and the whole of a short file, at the cost of a few hundred demuxed packets.
 */
const PROBE_PACKETS = 600;
/** Decoded video shorter than the source says by more than this is a damaged source. */
const TRUNCATION_TOLERANCE = { seconds: 1, fraction: 0.05 } as const;

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
    return info;
  }

  async transcode(input: TranscodeInput): Promise<TranscodeResult> {
    const probed = await this.probe(input.sourcePath, input.signal);
    const policy = input.request.audio ?? 'auto';
    const warnings: string[] = [];
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
    let source = audio === 'encoded' ? probed : withoutAudio(probed);
    try {
      await this.#runLadder(input, source);
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
          sourcePath: input.sourcePath,
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

    const renditions = await Promise.all(
      rungs.map((r) => this.#inspectRendition(input.outDir, r, source, formats, input.signal)),
    );
    checkComplete(source, renditions[0]!);

    let masterPlaylist: string | undefined;
    if (formats.includes('hls')) {
      const variants: Variant[] = renditions.map((r) => ({
        uri: `${r.name}/playlist.m3u8`,
        bandwidth: r.peakBitrateKbps * 1000,
        averageBandwidth: r.averageBitrateKbps * 1000,
        width: r.width,
        height: r.height,
        codecs: r.codecs,
        frameRate: r.frameRate,
      }));
      await writeFile(join(input.outDir, layout.hlsMaster), buildMasterPlaylist(variants));
      masterPlaylist = layout.hlsMaster;
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
      poster: layout.poster,
      ...(thumbnailIndex ? { thumbnails: thumbnailIndex } : {}),
    };
  }

  /** The rungs and thumbnail grid for a source (pure; the same for a run and its retry). */
  #plan(input: TranscodeInput, source: SourceInfo) {
    const rungs = planLadder(source, input.request.ladder);
    const thumbnails: ThumbnailSpec | false =
      input.request.thumbnails === false
        ? false
        : { intervalSeconds: input.request.thumbnails.intervalSeconds, ...THUMBNAIL_GRID };
    return { rungs, thumbnails };
  }

  /** The one ffmpeg run that makes the ladder, the poster and the thumbnails. */
  async #runLadder(input: TranscodeInput, source: SourceInfo): Promise<void> {
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

  /** Sizes, duration, measured bitrates and the codec string of one rendition as written. */
  async #inspectRendition(
    outDir: string,
    rung: PlannedRung,
    source: SourceInfo,
    formats: readonly string[],
    signal: AbortSignal,
  ): Promise<RenditionSummary> {
    let hls: RenditionSummary['hls'];
    let mp4: RenditionSummary['mp4'];
    let peakBps = 0;
    let bytes = 0;
    let durationSeconds = 0;
    let probeTarget = join(outDir, layout.mp4(rung.name));
    if (formats.includes('hls')) {
      const dir = join(outDir, layout.hlsDir(rung.name));
      const playlist = parseMediaPlaylist(
        await readFile(join(outDir, layout.hlsPlaylist(rung.name)), 'utf8'),
      );
      bytes = playlist.initUri ? (await stat(join(dir, playlist.initUri))).size : 0;
      for (const segment of playlist.segments) {
        const size = (await stat(join(dir, segment.uri))).size;
        bytes += size;
        durationSeconds += segment.durationSeconds;
        if (segment.durationSeconds > 0) {
          peakBps = Math.max(peakBps, (size * 8) / segment.durationSeconds);
        }
      }
      hls = { playlist: layout.hlsPlaylist(rung.name), segments: playlist.segments.length, bytes };
      probeTarget = join(dir, playlist.initUri ?? playlist.segments[0]?.uri ?? 'playlist.m3u8');
    }
    if (formats.includes('mp4')) {
      const size = (await stat(join(outDir, layout.mp4(rung.name)))).size;
      mp4 = { key: layout.mp4(rung.name), size };
    }
    const probe = await runFfprobe(this.#options.paths, probeTarget, signal);
    if (!hls) {
      bytes = mp4!.size;
      durationSeconds = Number(probe.format?.duration ?? 0);
    }
    const video = probe.streams?.find((s) => s.codec_type === 'video');
    const codecs = [
      avcCodecString(video?.profile, video?.level),
      ...(rung.audioKbps ? [AAC_LC_CODEC] : []),
    ].join(',');
    const averageBps = durationSeconds > 0 ? (bytes * 8) / durationSeconds : 0;
    return {
      name: rung.name,
      width: rung.width,
      height: rung.height,
      codecs,
      frameRate: source.video.frameRate,
      durationSeconds: Math.round(durationSeconds * 1000) / 1000,
      averageBitrateKbps: Math.round(averageBps / 1000),
      peakBitrateKbps: Math.round(Math.max(peakBps, averageBps) / 1000),
      ...(mp4 ? { mp4 } : {}),
      ...(hls ? { hls } : {}),
    };
  }
}

function checkLimits(info: SourceInfo, limits: MediaLimits): void {
  const { displayWidth: w, displayHeight: h, frameRate } = info.video;
  if (info.durationSeconds > limits.maxDurationSeconds) {
    throw new InvalidMediaError(
      `the source is ${Math.round(info.durationSeconds)} s long; the limit is ${limits.maxDurationSeconds} s`,
    );
  }
  if (Math.max(w, h) > limits.maxDimension) {
    throw new InvalidMediaError(
      `the source is ${w}x${h}; the limit is ${limits.maxDimension} pixels on either side`,
    );
  }
  if (frameRate > limits.maxFrameRate) {
    throw new InvalidMediaError(
      `the source runs at ${frameRate.toFixed(2)} fps; the limit is ${limits.maxFrameRate} fps`,
    );
  }
}

/**
 * ffmpeg decodes a truncated or damaged file as far as it can and still exits 0; a rendition
 * much shorter than the source's own video duration means the source is broken.
 */
function checkComplete(source: SourceInfo, top: RenditionSummary): void {
  const expected = source.video.durationSeconds;
  const tolerance = Math.max(
    TRUNCATION_TOLERANCE.seconds,
    expected * TRUNCATION_TOLERANCE.fraction,
  );
  if (top.durationSeconds + tolerance < expected) {
    throw new InvalidMediaError(
      `the source is truncated or damaged: only ${top.durationSeconds.toFixed(1)} s of its ${expected.toFixed(1)} s of video could be decoded`,
    );
  }
}

/**
 * The poster is taken 10% into the video (at most 10 s in), counted from the video's own first
 * frame: a stream that starts late or is short still has a frame there.
 */
export function posterTime(source: SourceInfo): number {
  const { startSeconds, durationSeconds } = source.video;
  return startSeconds + Math.min(durationSeconds * 0.1, 10);
}

/** The same source, as if it had no audio track. */
function withoutAudio(source: SourceInfo): SourceInfo {
  const { audio: _audio, ...rest } = source;
  return rest;
}

async function fileSize(path: string): Promise<number> {
  return stat(path).then(
    (s) => s.size,
    () => 0,
  );
}

async function emptyDirectory(dir: string): Promise<void> {
  for (const entry of await readdir(dir))
    await rm(join(dir, entry), { recursive: true, force: true });
}

/** The ISO-BMFF structure of a local file (undefined for other containers). */
async function inspectFile(path: string): Promise<IsoBmffSummary | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    return await inspectIsoBmff({
      size,
      read: async (offset, length) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await file.read(buffer, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      },
    });
  } finally {
    await file.close();
  }
}

async function listOutputFiles(outDir: string): Promise<OutputFile[]> {
  const entries = await readdir(outDir, { recursive: true, withFileTypes: true });
  const files: OutputFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const relativeKey = relative(outDir, path).split('\\').join('/');
    const { size } = await stat(path);
    files.push({ relativeKey, path, size, ...outputFileKind(relativeKey) });
  }
  return files.sort((a, b) => a.relativeKey.localeCompare(b.relativeKey));
}

async function readHead(path: string, bytes: number): Promise<Uint8Array> {
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await file.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await file.close();
  }
}
