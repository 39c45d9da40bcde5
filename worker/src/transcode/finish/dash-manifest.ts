import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layout } from '../ladder/layout.ts';
import { buildDashManifest } from '../package/dash.ts';
import { dashPresentation } from '../package/dash-presentation.ts';
import type { SubtitleOutcome } from '../package/subtitle-outputs.ts';
import type { FinishContext } from './context.ts';
import type { Renditions } from './renditions.ts';

/**
 * The DASH manifest over the HLS tree's segments, and its path; none, with a warning, when a
 * segment's timing could not be read (the HLS outputs stand alone then).
 */
export async function writeDashManifest(
  ctx: FinishContext,
  { renditions, audioRenditions }: Renditions,
  subtitles: SubtitleOutcome,
): Promise<string | undefined> {
  const audioLanguage = ctx.source.audio?.language;
  const manifest = dashPresentation({
    renditions,
    audio: audioRenditions,
    subtitles: subtitles.published,
    segmentSeconds: ctx.segmentSeconds,
    ...(audioLanguage ? { audioLanguage } : {}),
  });
  if (!manifest) {
    ctx.warnings.push('no DASH manifest: a segment’s timing could not be read');
    return undefined;
  }
  await writeFile(join(ctx.outDir, layout.dashManifest), buildDashManifest(manifest));
  return layout.dashManifest;
}
