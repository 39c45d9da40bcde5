import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildLadderInvocation, firstSegment } from './encode/ladder-run.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import { rebaseSegment } from './files/fragments.ts';
import { initSegmentTimescale } from './files/local-files.ts';
import { layout } from './ladder/layout.ts';
import { parseMediaPlaylist } from './package/hls.ts';
import { readPublishedTrack, type PublishedRung } from './progressive/tracks.ts';
import { publishedRung, rungCodecs } from './progressive/watch.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { planOutputs } from './ladder/plan.ts';
import type { SourceInfo } from './source/source-info.ts';
import { posterTime, withoutAudio } from './source/source-checks.ts';
import { posterInChunk, type ChunkWindow } from './split/chunks.ts';

export interface ChunkInput extends TranscodeInput {
  readonly source: SourceInfo;
  readonly window: ChunkWindow;
  /** `sourcePath` is the chunk's piece (split/pieces.ts), read from here. */
  readonly piece?: { readonly seekSeconds: number };
}

/**
 * One chunk of a long source, as one Job does it: only the chunk's frames are read, every
 * rung's video encoded in one ffmpeg (as a single run does it, keyframes on the source's
 * segment grid) to its HLS segments (`hls/<rung>/`, the numbers and times they have in the
 * whole source: they are published as they are) and to `chunk/<rung>.mp4` for the stitch's
 * MP4s, in `outDir`, with the chunk's thumbnails and, if its frame lies in the chunk, the poster.
 */
export async function encodeChunk(
  env: TranscodeEnv,
  input: ChunkInput,
): Promise<readonly PublishedRung[]> {
  const source = withoutAudio(input.source);
  const { rungs, thumbnails } = planOutputs(input.request, source);
  const { window, piece } = input;
  await runFfmpeg(
    env.paths,
    buildLadderInvocation({
      sourcePath: input.sourcePath,
      // A piece holds the video alone.
      source: piece ? { ...source, video: { ...source.video, index: 0 } } : source,
      ...(piece ? { pieceSeekSeconds: piece.seekSeconds } : {}),
      rungs,
      formats: input.request.formats,
      segmentSeconds: env.segmentSeconds,
      encoders: env.encoders,
      scaler: env.scaler,
      posterAtSeconds: posterInChunk(window, posterTime(source) - source.video.startSeconds),
      thumbnails,
      keepCaptions: input.request.subtitles !== 'none',
      window,
      cwd: input.outDir,
    }),
    { signal: input.signal },
  );
  if (!input.request.formats.includes('hls')) return [];
  const first = firstSegment(window, env);
  const published: PublishedRung[] = [];
  for (const rung of rungs) {
    await moveOntoSourceTimeline(input.outDir, rung.name, window, first);
    const track = await readPublishedTrack(input.outDir, rung.name);
    const codecs = await rungCodecs(env.encoders, input.outDir, rung, track);
    published.push(publishedRung(rung, track, codecs));
  }
  return published;
}

/**
 * A chunk's run writes its segments on its own timeline, which starts at its first frame, as a
 * single run's starts at the source's (and with the same init segment, so any chunk's serves).
 * Each segment is moved to where that frame lies in the whole source (the boundary plus the
 * key offset: a whole number of frames), and numbered as there.
 */
async function moveOntoSourceTimeline(
  outDir: string,
  rung: string,
  window: ChunkWindow,
  firstNumber: number,
): Promise<void> {
  const dir = join(outDir, layout.hlsDir(rung));
  const playlist = parseMediaPlaylist(
    await readFile(join(outDir, layout.hlsPlaylist(rung)), 'utf8'),
  );
  const timescale = playlist.initUri
    ? await initSegmentTimescale(join(dir, playlist.initUri))
    : undefined;
  if (!timescale) throw new Error(`the ${rung} chunk's HLS track has no init segment timescale`);
  const offsetTicks = Math.round((window.startSeconds + window.keyOffsetSeconds) * timescale);
  for (const [i, segment] of playlist.segments.entries()) {
    const path = join(dir, segment.uri);
    const bytes = await readFile(path);
    const patched = rebaseSegment(bytes, { offsetTicks, sequenceNumber: firstNumber + i + 1 });
    if (patched.tfdt === 0) throw new Error(`${rung}/${segment.uri} has no track fragment time`);
    await writeFile(path, bytes);
  }
}
