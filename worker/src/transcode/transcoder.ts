import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { InvalidMediaError } from '../errors.ts';
import type { JobRequest } from '../job/message.ts';
import {
  buildLadderInvocation,
  DEFAULT_ENCODER,
  layout,
  thumbnailHeight,
  type EncoderSettings,
  type ThumbnailSpec,
} from './ffmpeg-args.ts';
import { runFfmpeg, runFfprobe, type FfmpegPaths } from './ffmpeg.ts';
import {
  AAC_LC_CODEC,
  avcCodecString,
  buildMasterPlaylist,
  parseMediaPlaylist,
  type Variant,
} from './hls.ts';
import { planLadder, type PlannedRung } from './ladder.ts';
import { outputFileKind } from './output-files.ts';
import { interpretProbe, type SourceInfo } from './probe.ts';
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
  readonly request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'>;
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
  readonly renditions: readonly RenditionSummary[];
  readonly files: readonly OutputFile[];
  readonly masterPlaylist?: string;
  readonly poster: string;
  readonly thumbnails?: { readonly count: number; readonly index: string };
}

const THUMBNAIL_GRID = { width: 160, columns: 5, rows: 5 } as const;
/** Decoded video shorter than the source says by more than this is a damaged source. */
const TRUNCATION_TOLERANCE = { seconds: 1, fraction: 0.05 } as const;

/** Probe, plan, run the one ffmpeg, then describe and check what it wrote. */
export class Transcoder {
  readonly #options: Required<TranscoderOptions>;

  constructor(options: TranscoderOptions) {
    this.#options = { encoder: DEFAULT_ENCODER, segmentSeconds: 4, ...options };
  }

  /** Reads the source's streams and refuses it, before any decoding, if it breaks a limit. */
  async probe(sourcePath: string, signal?: AbortSignal): Promise<SourceInfo> {
    const sniffed = sniffNonVideo(await readHead(sourcePath, 4096));
    if (sniffed) {
      throw new InvalidMediaError(
        `the source is ${sniffed}, not a video container: playlists, concat lists, images, image sequences and stream descriptions are refused`,
      );
    }
    const info = interpretProbe(await runFfprobe(this.#options.paths, sourcePath, signal));
    checkLimits(info, this.#options.limits);
    return info;
  }

  async transcode(input: TranscodeInput): Promise<TranscodeResult> {
    const { paths, encoder, segmentSeconds } = this.#options;
    const { formats } = input.request;
    const source = await this.probe(input.sourcePath, input.signal);
    const rungs = planLadder(source, input.request.ladder);
    const thumbnails: ThumbnailSpec | false =
      input.request.thumbnails === false
        ? false
        : { intervalSeconds: input.request.thumbnails.intervalSeconds, ...THUMBNAIL_GRID };
    const inv = buildLadderInvocation({
      sourcePath: input.sourcePath,
      source,
      rungs,
      formats,
      segmentSeconds,
      encoder,
      posterAtSeconds: Math.min(source.durationSeconds * 0.1, 10),
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
      source,
      renditions,
      files: await listOutputFiles(input.outDir),
      ...(masterPlaylist ? { masterPlaylist } : {}),
      poster: layout.poster,
      ...(thumbnailIndex ? { thumbnails: thumbnailIndex } : {}),
    };
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
