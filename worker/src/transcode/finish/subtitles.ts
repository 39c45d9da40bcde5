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
  const captionRung = ctx.rungs.filter((r) => r.frameStep === 1 && r.codec === 'h264').at(-1);
  if (!captionRung && request.subtitles !== 'none') {
    ctx.warnings.push(
      'CEA-608 captions in the video, if any, were not read: only H.264 rungs carry them (add "h264" to codecs to keep them)',
    );
  }
  const subtitles: SubtitleOutcome =
    request.subtitles === 'none'
      ? { published: [], leftOut: [] }
      : await makeSubtitles({
          paths: ctx.paths,
          sourcePath: ctx.sourcePath,
          outDir: ctx.outDir,
          tracks: source.subtitles.tracks,
          // x264 carries the source's CEA-608 captions into its rungs; x265 and SVT-AV1 (in
          // ffmpeg 5.1) do not, so the captions are read from an H.264 rung or not at all.
          ...(captionRung ? { captionRung: captionRung.name } : {}),
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
