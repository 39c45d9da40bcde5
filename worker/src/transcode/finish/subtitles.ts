import { makeSubtitles, type SubtitleOutcome } from '../package/subtitle-outputs.ts';
import type { FinishContext } from './context.ts';
import type { Renditions } from './renditions.ts';

/**
 * The source's text tracks and the captions in its video as WebVTT (package/subtitle-outputs.ts),
 * unless the job asks for none; every track left out becomes a warning that says why.
 */
export async function publishSubtitles(
  ctx: FinishContext,
  { renditions }: Renditions,
): Promise<SubtitleOutcome> {
  const { source, request } = ctx;
  const subtitles: SubtitleOutcome =
    request.subtitles === 'none'
      ? { published: [], leftOut: [] }
      : await makeSubtitles({
          paths: ctx.paths,
          sourcePath: ctx.sourcePath,
          outDir: ctx.outDir,
          tracks: source.subtitles.tracks,
          captionRung: ctx.rungs.filter((r) => r.frameStep === 1).at(-1)!.name,
          formats: request.formats,
          durationSeconds: renditions[0]!.durationSeconds || source.durationSeconds,
          signal: ctx.signal,
        });
  const planned = request.subtitles === 'none' ? [] : source.subtitles.leftOut;
  for (const left of [...planned, ...subtitles.leftOut]) {
    ctx.warnings.push(
      left.streamIndex === undefined
        ? left.reason
        : `subtitle track #${left.streamIndex} (${left.codec}) not converted: ${left.reason}`,
    );
  }
  return subtitles;
}
