import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layout } from '../ladder/layout.ts';
import { thumbnailHeight, type ThumbnailSpec } from '../ladder/plan.ts';
import { buildThumbnailVtt } from '../package/thumbnail-index.ts';
import type { FinishContext } from './context.ts';
import type { TranscodeResult } from './result.ts';

/** The WebVTT index of the thumbnails the run wrote, over their sprite sheets. */
export async function writeThumbnailIndex(
  ctx: FinishContext,
  thumbnails: ThumbnailSpec,
): Promise<NonNullable<TranscodeResult['thumbnails']>> {
  const count = (await readdir(join(ctx.outDir, 'thumbnails'))).filter((f) =>
    f.startsWith('thumb_'),
  ).length;
  const vtt = buildThumbnailVtt({
    count,
    intervalSeconds: thumbnails.intervalSeconds,
    durationSeconds: ctx.source.durationSeconds,
    width: thumbnails.width,
    height: thumbnailHeight(thumbnails, ctx.rungs[0]!),
    columns: thumbnails.columns,
    rows: thumbnails.rows,
  });
  await writeFile(join(ctx.outDir, layout.thumbnailIndex), vtt);
  return { count, index: layout.thumbnailIndex };
}
