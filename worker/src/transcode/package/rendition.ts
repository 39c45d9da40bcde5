import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VideoCodec } from '../../contract/ladder-presets.ts';
import { AAC_LC_CODEC } from '../encode/audio.ts';
import type { VideoEncoder } from '../encode/video/encoder.ts';
import { runFfprobe } from '../ffmpeg/ffprobe.ts';
import type { FfmpegPaths } from '../ffmpeg/invocation.ts';
import { initSegmentTimescale, readCodecConfig, segmentTiming } from '../files/local-files.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import type { Timeline } from './dash.ts';
import { parseMediaPlaylist, writeMediaPlaylist } from './hls.ts';

export interface RenditionSummary {
  readonly name: string;
  /** The codec of its video (`h264`, `hevc`, `av1`). */
  readonly codec: VideoCodec;
  readonly width: number;
  readonly height: number;
  /** What a player of this rung decodes: its video, and its audio when it has some. */
  readonly codecs: string;
  readonly frameRate: number;
  readonly durationSeconds: number;
  /** What a viewer of this rung downloads: its video and its audio rendition together. */
  readonly averageBitrateKbps: number;
  readonly peakBitrateKbps: number;
  readonly mp4?: { readonly key: string; readonly size: number };
  /** The rung's video alone, as HLS (and DASH) serve it; its audio is a rendition of its own. */
  readonly hls?: HlsTrack & { readonly playlist: string };
  /** The audio rendition (AudioRenditionSummary.name) this rung plays with. */
  readonly audio?: string;
}

/** One audio encode, served beside the video rungs in HLS and DASH. */
export interface AudioRenditionSummary {
  readonly name: string;
  readonly kbps: number;
  readonly channels: number;
  readonly sampleRate: number;
  readonly hls: HlsTrack & { readonly playlist: string };
}

/** A media playlist's segments as written and measured. */
export interface HlsTrack {
  readonly segments: number;
  readonly bytes: number;
  readonly durationSeconds: number;
  readonly averageKbps: number;
  /** The highest bit rate of any one segment, rounded up. */
  readonly peakKbps: number;
  /** From the segments' boxes, for the DASH manifest; undefined if a segment could not be read. */
  readonly timeline?: Timeline;
}

/**
 * Finishes one media playlist as ffmpeg wrote it: the target duration strict players require
 * (hls.ts), then its size, duration, bit rates, and the exact timeline of its segments.
 */
async function finishHlsTrack(
  outDir: string,
  name: string,
): Promise<{ track: HlsTrack; firstFile: string }> {
  const dir = join(outDir, layout.hlsDir(name));
  const playlistPath = join(outDir, layout.hlsPlaylist(name));
  // ffmpeg wrote it as EVENT, growing while the run went (progressive/watch.ts): rewritten as the VOD
  // playlist it now is, with the target duration strict players require (hls.ts).
  const playlist = parseMediaPlaylist(await readFile(playlistPath, 'utf8'));
  if (!playlist.ended)
    throw new Error(`the ${name} HLS playlist has no end: the run did not finish it`);
  if (playlist.initUri) {
    await writeFile(
      playlistPath,
      writeMediaPlaylist({
        initUri: playlist.initUri,
        segments: playlist.segments,
        type: 'VOD',
        ended: true,
      }),
    );
  }
  let bytes = playlist.initUri ? (await stat(join(dir, playlist.initUri))).size : 0;
  let peakBps = 0;
  let durationSeconds = 0;
  const timescale = playlist.initUri
    ? await initSegmentTimescale(join(dir, playlist.initUri))
    : undefined;
  const timings: Timeline['segments'][number][] = [];
  let timed = timescale !== undefined;
  for (const segment of playlist.segments) {
    const path = join(dir, segment.uri);
    const size = (await stat(path)).size;
    bytes += size;
    durationSeconds += segment.durationSeconds;
    if (segment.durationSeconds > 0) {
      peakBps = Math.max(peakBps, (size * 8) / segment.durationSeconds);
    }
    const timing = timed ? await segmentTiming(path) : undefined;
    if (timing) timings.push({ start: timing.start, duration: timing.duration });
    else timed = false;
  }
  const averageBps = durationSeconds > 0 ? (bytes * 8) / durationSeconds : 0;
  return {
    track: {
      segments: playlist.segments.length,
      bytes,
      durationSeconds,
      averageKbps: Math.round(averageBps / 1000),
      // Rounded up: BANDWIDTH must be at least every segment's bit rate (RFC 8216 4.3.4.2).
      peakKbps: Math.ceil(Math.max(peakBps, averageBps) / 1000),
      ...(timed && timescale ? { timeline: { timescale, segments: timings } } : {}),
    },
    // What ffprobe reads the track's codec from.
    firstFile: join(dir, playlist.initUri ?? playlist.segments[0]?.uri ?? 'playlist.m3u8'),
  };
}

/** Finishes one audio rendition (its playlist, measures, timeline). */
export async function finishAudioRendition(
  outDir: string,
  audio: { readonly kbps: number; readonly channels: number; readonly sampleRate: number },
): Promise<AudioRenditionSummary> {
  const name = layout.audioRendition(audio.kbps);
  const { track } = await finishHlsTrack(outDir, name);
  return { name, ...audio, hls: { ...track, playlist: layout.hlsPlaylist(name) } };
}

/**
 * Finishes one rung as ffmpeg wrote it: its HLS video track (finishHlsTrack), its MP4, and the
 * codec string its video has. With HLS, the rung's bit rates add its audio rendition's.
 */
export async function finishRendition(p: {
  readonly paths: FfmpegPaths;
  readonly outDir: string;
  readonly rung: PlannedRung;
  readonly formats: readonly string[];
  /** The encoder that wrote the rung's video: it names its codec string. */
  readonly encoder: Pick<VideoEncoder, 'codecString'>;
  readonly signal: AbortSignal;
  readonly audio?: AudioRenditionSummary;
}): Promise<RenditionSummary> {
  const { paths, outDir, rung, formats, signal, audio } = p;
  let hls: RenditionSummary['hls'];
  let mp4: RenditionSummary['mp4'];
  let probeTarget = join(outDir, layout.mp4(rung.name));
  if (formats.includes('hls')) {
    const { track, firstFile } = await finishHlsTrack(outDir, rung.name);
    hls = { ...track, playlist: layout.hlsPlaylist(rung.name) };
    probeTarget = firstFile;
  }
  if (formats.includes('mp4')) {
    const size = (await stat(join(outDir, layout.mp4(rung.name)))).size;
    mp4 = { key: layout.mp4(rung.name), size };
  }
  const probe = await runFfprobe(paths, probeTarget, signal);
  const video = probe.streams?.find((s) => s.codec_type === 'video');
  const record = (await readCodecConfig(probeTarget))?.record;
  const written = { ...(video ? { stream: video } : {}), ...(record ? { record } : {}) };
  const codecs = [p.encoder.codecString(written), ...(rung.audioKbps ? [AAC_LC_CODEC] : [])].join(
    ',',
  );
  let averageKbps: number;
  let peakKbps: number;
  let durationSeconds: number;
  if (hls) {
    averageKbps = hls.averageKbps + (audio?.hls.averageKbps ?? 0);
    peakKbps = hls.peakKbps + (audio?.hls.peakKbps ?? 0);
    durationSeconds = hls.durationSeconds;
  } else {
    durationSeconds = Number(probe.format?.duration ?? 0);
    const bps = durationSeconds > 0 ? (mp4!.size * 8) / durationSeconds : 0;
    averageKbps = Math.round(bps / 1000);
    peakKbps = Math.ceil(bps / 1000);
  }
  return {
    name: rung.name,
    codec: rung.codec,
    width: rung.width,
    height: rung.height,
    codecs,
    frameRate: rung.frameRate,
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    averageBitrateKbps: averageKbps,
    peakBitrateKbps: peakKbps,
    ...(mp4 ? { mp4 } : {}),
    ...(hls ? { hls } : {}),
    ...(audio ? { audio: audio.name } : {}),
  };
}
