import { copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioOutcome } from './audio.ts';
import { buildSpriteInvocation } from './encode/images.ts';
import { buildStitchInvocation, concatList } from './encode/stitch.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import { copyTree, fileSize, segmentTiming } from './files/local-files.ts';
import { finishContext } from './finish/context.ts';
import { finishOutputs } from './finish/finish.ts';
import type { TranscodeResult } from './finish/result.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { layout } from './ladder/layout.ts';
import { planOutputs } from './ladder/plan.ts';
import { parseMediaPlaylist, writeMediaPlaylist, type MediaSegment } from './package/hls.ts';
import type { SourceInfo } from './source/source-info.ts';
import { withoutAudio } from './source/source-checks.ts';

export interface AssembleInput extends Omit<TranscodeInput, 'sourcePath'> {
  /** Called only when the source itself is needed: for its subtitle tracks, or a fallback poster. */
  readonly sourcePath: () => Promise<string>;
  readonly probed: SourceInfo;
  /** The chunks' output directories, in chunk order. */
  readonly chunkDirs: readonly string[];
  readonly audioDir?: string;
  readonly audio: AudioOutcome;
}

/**
 * Joins a chunked source's parts into the outputs a single run writes, in `outDir`: each
 * rung's HLS segments as the chunks wrote them (already numbered and timed as in the whole
 * source) under one VOD playlist, its MP4 from the chunks' parts by stream copy (the concat
 * demuxer: no re-encode) with the audio muxed in, the audio's HLS renditions beside the video,
 * the thumbnails' sprites tiled; then finished as a single run is (finish/).
 */
export async function assemble(env: TranscodeEnv, input: AssembleInput): Promise<TranscodeResult> {
  const { paths, segmentSeconds } = env;
  const source = input.audio.audio === 'encoded' ? input.probed : withoutAudio(input.probed);
  const { rungs, thumbnails } = planOutputs(input.request, source);
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
    if (formats.includes('hls')) await joinHlsTrack(out, rung.name, input.chunkDirs);
    if (!formats.includes('mp4')) continue;
    const list = `${layout.chunkDir}/${rung.name}.txt`;
    await writeFile(
      join(out, list),
      concatList(input.chunkDirs.map((d) => join(d, layout.chunkVideo(rung.name)))),
    );
    // The audio run writes an M4A per bitrate only for the MP4s (HLS has its own renditions).
    const m4a =
      input.audioDir && source.audio && rung.audioKbps !== undefined
        ? join(input.audioDir, layout.chunkAudio(rung.audioKbps))
        : undefined;
    await runFfmpeg(
      paths,
      buildStitchInvocation({ list, rung, ...(m4a ? { audio: m4a } : {}), cwd: out }),
      { signal: input.signal },
    );
  }
  if (thumbnails) {
    await runFfmpeg(paths, buildSpriteInvocation({ thumbnails, cwd: out }), {
      signal: input.signal,
    });
  }
  await rm(join(out, layout.chunkDir), { recursive: true, force: true });
  return finishOutputs(
    finishContext({
      paths,
      encoders: env.encoders,
      segmentSeconds,
      outDir: out,
      request: input.request,
      signal: input.signal,
      sourcePath: input.sourcePath,
      probed: input.probed,
      source,
      audio: input.audio.audio,
      warnings: [...input.audio.warnings],
      ...(input.audio.loudness ? { normalized: input.audio.loudness } : {}),
    }),
  );
}

/**
 * One rung's HLS track from its chunks' segments, moved (not copied) into `out`: the first
 * chunk's init segment (every chunk's is the same, which is checked, as is each chunk starting
 * where the one before it ends), every segment in order, and the VOD playlist over them.
 */
export async function joinHlsTrack(
  out: string,
  rung: string,
  chunkDirs: readonly string[],
): Promise<readonly MediaSegment[]> {
  const dest = join(out, layout.hlsDir(rung));
  await mkdir(dest, { recursive: true });
  const segments: MediaSegment[] = [];
  let init: Buffer | undefined;
  let initUri = 'init.mp4';
  let end: number | undefined;
  for (const [i, dir] of chunkDirs.entries()) {
    const from = join(dir, layout.hlsDir(rung));
    const playlist = parseMediaPlaylist(
      await readFile(join(dir, layout.hlsPlaylist(rung)), 'utf8'),
    );
    if (!playlist.initUri || playlist.segments.length === 0) {
      throw new Error(`chunk ${i} wrote no HLS segments for ${rung}`);
    }
    const chunkInit = await readFile(join(from, playlist.initUri));
    if (!init) {
      init = chunkInit;
      initUri = playlist.initUri;
      await writeFile(join(dest, initUri), init);
    } else if (!init.equals(chunkInit)) {
      throw new Error(
        `chunk ${i}'s ${rung} init segment differs from chunk 0's: it cannot share its playlist`,
      );
    }
    const first = await segmentTiming(join(from, playlist.segments[0]!.uri));
    if (end !== undefined && first?.start !== end) {
      throw new Error(
        `chunk ${i}'s ${rung} starts at tick ${first?.start}, not where chunk ${i - 1} ends (${end})`,
      );
    }
    const last = await segmentTiming(join(from, playlist.segments.at(-1)!.uri));
    end = last ? last.start + last.duration : undefined;
    for (const segment of playlist.segments) {
      await rename(join(from, segment.uri), join(dest, segment.uri));
      segments.push(segment);
    }
  }
  await writeFile(
    join(out, layout.hlsPlaylist(rung)),
    writeMediaPlaylist({ initUri, segments, type: 'VOD', ended: true }),
  );
  return segments;
}
