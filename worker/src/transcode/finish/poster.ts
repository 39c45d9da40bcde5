import { join } from 'node:path';
import { InvalidMediaError } from '../../base/errors.ts';
import { buildPosterInvocation } from '../encode/images.ts';
import { runFfmpeg } from '../ffmpeg/run.ts';
import { fileSize } from '../files/local-files.ts';
import { layout } from '../ladder/layout.ts';
import type { FinishContext } from './context.ts';

/**
 * The poster's time lies in the video, but a damaged stream may still leave no frame there:
 * then the first frame that decodes, so the record never names a missing file.
 */
export async function ensurePoster(ctx: FinishContext): Promise<void> {
  const poster = join(ctx.outDir, layout.poster);
  if (await fileSize(poster)) return;
  await runFfmpeg(
    ctx.paths,
    buildPosterInvocation({
      sourcePath: await ctx.sourcePath(),
      source: ctx.source,
      top: ctx.rungs[0]!,
      cwd: ctx.outDir,
    }),
    { signal: ctx.signal },
  );
  if (!(await fileSize(poster))) {
    throw new InvalidMediaError('no frame of the source could be decoded for the poster');
  }
}
