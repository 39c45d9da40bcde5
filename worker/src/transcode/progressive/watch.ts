import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Encoders } from '../encode/video/encoder.ts';
import { readCodecConfig } from '../files/local-files.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { layout } from '../ladder/layout.ts';
import { parseMediaPlaylist } from '../package/hls.ts';
import type { PublishedAudio, PublishedRung, PublishedSegment, PublishedTrack } from './tracks.ts';

/**
 * A run's HLS tracks while ffmpeg still writes them: its muxer rewrites each track's playlist
 * (type EVENT, a temporary file renamed over the last) after every segment it completes, so a
 * listed segment is whole and never changes. The caller (job/) publishes what is listed as it
 * appears; nothing here knows of S3.
 */

/** What a run has written so far, every track with at least one segment. */
export interface LiveTracks {
  readonly rungs: readonly PublishedRung[];
  readonly audio: readonly PublishedAudio[];
  readonly audioLanguage?: string;
}

/** Told each time more segments are listed; calls never overlap. */
export type OnTracks = (tracks: LiveTracks) => Promise<void>;

/** The tracks a run writes: its rungs' video and its audio renditions. */
export interface RunTracks {
  readonly rungs: readonly PlannedRung[];
  readonly audio: readonly { readonly kbps: number; readonly channels: number }[];
  readonly audioLanguage?: string;
}

/**
 * Reads every track of a run as its playlist lists it now; undefined until each has a segment
 * (a master playlist names them all). A rung's codec string comes from its init segment.
 */
export function trackReader(
  encoders: Encoders,
  outDir: string,
  run: RunTracks,
): () => Promise<LiveTracks | undefined> {
  const codecs = new Map<string, string>();
  const sizes = new Map<string, Map<string, number>>();
  const read = (name: string) => {
    let known = sizes.get(name);
    if (!known) sizes.set(name, (known = new Map<string, number>()));
    return readGrowingTrack(outDir, name, known);
  };
  return async () => {
    const rungs: PublishedRung[] = [];
    for (const rung of run.rungs) {
      const track = await read(rung.name);
      if (!track) return undefined;
      let codec = codecs.get(rung.name);
      if (codec === undefined) {
        codec = await rungCodecs(encoders, outDir, rung, track);
        codecs.set(rung.name, codec);
      }
      rungs.push(publishedRung(rung, track, codec));
    }
    const audio: PublishedAudio[] = [];
    for (const a of run.audio) {
      const track = await read(layout.audioRendition(a.kbps));
      if (!track) return undefined;
      audio.push({ ...track, kbps: a.kbps, channels: a.channels });
    }
    return { rungs, audio, ...(run.audioLanguage ? { audioLanguage: run.audioLanguage } : {}) };
  };
}

/** A rung's track with what the master playlist says of it. */
export function publishedRung(
  rung: PlannedRung,
  track: PublishedTrack,
  codecs: string,
): PublishedRung {
  return {
    ...track,
    width: rung.width,
    height: rung.height,
    frameRate: rung.frameRate,
    codecs,
    ...(rung.audioKbps === undefined ? {} : { audioKbps: rung.audioKbps }),
  };
}

/** A rung's codec string (avc1..., hvc1..., av01...), from its init segment's configuration. */
export async function rungCodecs(
  encoders: Encoders,
  outDir: string,
  rung: PlannedRung,
  track: PublishedTrack,
): Promise<string> {
  const init = join(outDir, layout.hlsDir(rung.name), track.initUri);
  const record = (await readCodecConfig(init))?.record;
  return encoders[rung.codec].codecString(record ? { record } : {});
}

/**
 * A track as its playlist lists it so far; undefined before the playlist has a segment. `sizes`
 * keeps each listed segment's size, so that each is looked at once.
 */
async function readGrowingTrack(
  outDir: string,
  name: string,
  sizes: Map<string, number>,
): Promise<PublishedTrack | undefined> {
  let text: string;
  try {
    text = await readFile(join(outDir, layout.hlsPlaylist(name)), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const playlist = parseMediaPlaylist(text);
  if (!playlist.initUri || playlist.segments.length === 0) return undefined;
  const segments: PublishedSegment[] = [];
  for (const s of playlist.segments) {
    let bytes = sizes.get(s.uri);
    if (bytes === undefined) {
      bytes = (await stat(join(outDir, layout.hlsDir(name), s.uri))).size;
      sizes.set(s.uri, bytes);
    }
    segments.push({ ...s, bytes });
  }
  return { name, initUri: playlist.initUri, segments };
}

/** How often a running ffmpeg's playlists are read: a fraction of a segment. */
export const WATCH_INTERVAL_MS = 500;

/**
 * Reads the tracks every `intervalMs` while a run goes on and hands each new state (more
 * segments than the last) to `onTracks`, one call at a time. `stop` ends it after the round in
 * progress; errors (a read, or `onTracks` itself) go to `onError` and the watch goes on.
 */
export function watchTracks(p: {
  readonly read: () => Promise<LiveTracks | undefined>;
  readonly onTracks: OnTracks;
  readonly onError: (err: unknown) => void;
  readonly intervalMs?: number;
}): { stop(): Promise<void> } {
  const stopping = new AbortController();
  let seen = 0;
  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const tracks = await p.read();
        const count = tracks ? segmentCount(tracks) : 0;
        if (tracks && count > seen) {
          seen = count;
          await p.onTracks(tracks);
        }
      } catch (err) {
        p.onError(err);
      }
      await sleep(p.intervalMs ?? WATCH_INTERVAL_MS, undefined, {
        signal: stopping.signal,
      }).catch(() => undefined);
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await loop;
    },
  };
}

function segmentCount(tracks: LiveTracks): number {
  let n = 0;
  for (const t of [...tracks.rungs, ...tracks.audio]) n += t.segments.length;
  return n;
}
