import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runFfprobe, type FfmpegPaths } from './ffmpeg.ts';
import {
  AAC_LC_CODEC,
  avcCodecString,
  parseMediaPlaylist,
  withStrictTargetDuration,
} from './hls.ts';
import type { PlannedRung } from './ladder.ts';
import { layout } from './output-layout.ts';

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

/**
 * Finishes one rendition as ffmpeg wrote it: its media playlist gets the target duration strict
 * players require (hls.ts), then its sizes, duration, measured bitrates and codec string are read.
 */
export async function finishRendition(
  paths: FfmpegPaths,
  outDir: string,
  rung: PlannedRung,
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
    const playlistPath = join(outDir, layout.hlsPlaylist(rung.name));
    const text = withStrictTargetDuration(await readFile(playlistPath, 'utf8'));
    await writeFile(playlistPath, text);
    const playlist = parseMediaPlaylist(text);
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
  const probe = await runFfprobe(paths, probeTarget, signal);
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
    frameRate: rung.frameRate,
    durationSeconds: Math.round(durationSeconds * 1000) / 1000,
    averageBitrateKbps: Math.round(averageBps / 1000),
    // Rounded up: BANDWIDTH must be at least every segment's bit rate (RFC 8216 4.3.4.2).
    peakBitrateKbps: Math.ceil(Math.max(peakBps, averageBps) / 1000),
    ...(mp4 ? { mp4 } : {}),
    ...(hls ? { hls } : {}),
  };
}
