import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { layout } from '../ladder/layout.ts';
import {
  buildMasterPlaylist,
  parseMediaPlaylist,
  writeMediaPlaylist,
  type MediaSegment,
} from '../package/hls.ts';
import { AAC_LC_CODEC } from '../encode/audio.ts';
import { languageName } from '../source/subtitle-tracks.ts';

/**
 * A split job's outputs while its chunks are still coming: each chunk's and the audio's HLS
 * segments are published as they are written (never to change), and the playlists over the
 * chunks published so far (a contiguous run from the first) grow as type EVENT until the stitch
 * writes the final VOD ones. What a part publishes, and the playlists over them.
 */

export interface PublishedSegment extends MediaSegment {
  readonly bytes: number;
}

/** One HLS track of a part: its init segment and segments, as published under hls/<name>/. */
export interface PublishedTrack {
  readonly name: string;
  readonly initUri: string;
  readonly segments: readonly PublishedSegment[];
}

/** A chunk's video track of one rung, and what the master playlist says of the rung. */
export interface PublishedRung extends PublishedTrack {
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  /** The video's codec string (avc1..., hvc1..., av01...), from its init segment. */
  readonly codecs: string;
  /** The audio rendition (by bitrate) the rung plays with. */
  readonly audioKbps?: number;
}

/** An audio rendition of the audio's part. */
export interface PublishedAudio extends PublishedTrack {
  readonly kbps: number;
  readonly channels: number;
}

/** Reads a track as ffmpeg wrote it under `outDir`/hls/<name>/: its playlist and sizes. */
export async function readPublishedTrack(outDir: string, name: string): Promise<PublishedTrack> {
  const playlist = parseMediaPlaylist(
    await readFile(join(outDir, layout.hlsPlaylist(name)), 'utf8'),
  );
  if (!playlist.initUri) throw new Error(`the ${name} HLS track has no init segment`);
  const dir = join(outDir, layout.hlsDir(name));
  const segments: PublishedSegment[] = [];
  for (const s of playlist.segments) {
    segments.push({ ...s, bytes: (await stat(join(dir, s.uri))).size });
  }
  return { name, initUri: playlist.initUri, segments };
}

/** An HLS track's init segment under a part's output directory (`hls/<track>/init.mp4`). */
export function isInitSegment(relativeKey: string): boolean {
  return /^hls\/[^/]+\/init\.mp4$/.test(relativeKey);
}

/** The keys under a part's output directory that are published as they are written. */
export function isPublishedSegment(relativeKey: string): boolean {
  return /^hls\/[^/]+\/seg_\d+\.m4s$/.test(relativeKey);
}

/**
 * The playlists over what is published: each rung's media playlist over the first `chunks`
 * chunks' segments, each audio rendition's over its segments, all of type EVENT (`ended`: the
 * last word, with ENDLIST: a failed job's playlists stop where they are), and the master over
 * them, its bit rates measured on the segments so far. Relative keys under the output prefix.
 */
export function growingPlaylists(p: {
  /** The published chunks, in order: each one's rungs. */
  readonly chunks: readonly (readonly PublishedRung[])[];
  readonly audio: readonly PublishedAudio[];
  readonly audioLanguage?: string;
  readonly ended: boolean;
}): { readonly key: string; readonly text: string }[] {
  const first = p.chunks[0];
  if (!first) return [];
  const media = (track: PublishedTrack, segments: readonly PublishedSegment[]) => ({
    key: layout.hlsPlaylist(track.name),
    text: writeMediaPlaylist({
      initUri: track.initUri,
      segments: segments.map(({ uri, durationSeconds }) => ({ uri, durationSeconds })),
      type: 'EVENT',
      ended: p.ended,
    }),
  });
  const rungs = first.map((rung) => ({
    rung,
    segments: p.chunks.flatMap((c) => c.find((r) => r.name === rung.name)?.segments ?? []),
  }));
  const audio = p.audio.map((a) => ({ track: a, rates: rates(a.segments) }));
  const name = p.audioLanguage ? languageName(p.audioLanguage) : 'Audio';
  const master = buildMasterPlaylist(
    rungs.map(({ rung, segments }) => {
      const video = rates(segments);
      const sound = audio.find((a) => a.track.kbps === rung.audioKbps);
      return {
        uri: `${rung.name}/playlist.m3u8`,
        bandwidth: video.peak + (sound?.rates.peak ?? 0),
        averageBandwidth: video.average + (sound?.rates.average ?? 0),
        width: rung.width,
        height: rung.height,
        codecs: sound ? `${rung.codecs},${AAC_LC_CODEC}` : rung.codecs,
        frameRate: rung.frameRate,
        ...(sound ? { audioGroup: sound.track.name } : {}),
      };
    }),
    [],
    audio.map(({ track }) => ({
      groupId: track.name,
      uri: `${track.name}/playlist.m3u8`,
      name,
      ...(p.audioLanguage ? { language: p.audioLanguage } : {}),
      channels: track.channels,
    })),
  );
  return [
    ...rungs.map(({ rung, segments }) => media(rung, segments)),
    ...p.audio.map((a) => media(a, a.segments)),
    // Last: a player that reads it finds every playlist it names.
    { key: layout.hlsMaster, text: master },
  ];
}

/** Peak and average bit rates (bits per second, rounded up) of a run of segments. */
function rates(segments: readonly PublishedSegment[]): { peak: number; average: number } {
  let bytes = 0;
  let seconds = 0;
  let peak = 0;
  for (const s of segments) {
    bytes += s.bytes;
    seconds += s.durationSeconds;
    if (s.durationSeconds > 0) peak = Math.max(peak, (s.bytes * 8) / s.durationSeconds);
  }
  const average = seconds > 0 ? (bytes * 8) / seconds : 0;
  return { peak: Math.ceil(Math.max(peak, average)), average: Math.ceil(average) };
}
