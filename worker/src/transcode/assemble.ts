import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AudioOutcome } from './audio.ts';
import { buildSpriteInvocation } from './encode/images.ts';
import { buildStitchInvocation, concatList } from './encode/stitch.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import { copyTree, fileSize } from './files/local-files.ts';
import { finishContext } from './finish/context.ts';
import { finishOutputs } from './finish/finish.ts';
import type { TranscodeResult } from './finish/result.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { layout } from './ladder/layout.ts';
import { planOutputs } from './ladder/plan.ts';
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
 * rung's chunks by stream copy (the concat demuxer: no re-encode), the audio muxed into the
 * MP4s and its HLS renditions beside the video, the thumbnails' sprites tiled; then finished as
 * a single run is (finish/).
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
