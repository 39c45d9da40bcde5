import { layout } from '../ladder/layout.ts';
import { listOutputFiles } from '../package/output-files.ts';
import type { FinishContext } from './context.ts';
import { writeDashManifest } from './dash-manifest.ts';
import { writeMasterPlaylist } from './master-playlist.ts';
import { ensurePoster } from './poster.ts';
import { measureRenditions } from './renditions.ts';
import type { TranscodeResult } from './result.ts';
import { publishSubtitles } from './subtitles.ts';
import { writeThumbnailIndex } from './thumbnail-index.ts';

/**
 * Describes and completes what a run wrote, the same after a single run as after a stitch: the
 * poster (a fallback run if its frame was missing), each rendition measured and checked, the
 * subtitles, the master playlist and the DASH manifest, the thumbnail index; then the files.
 */
export async function finishOutputs(ctx: FinishContext): Promise<TranscodeResult> {
  const { probed, audio, warnings, request } = ctx;
  if (audio === 'undecodable') {
    warnings.push(
      `${probed.undecodableAudio?.reason ?? `the source's audio (${probed.audio?.codec}) cannot be decoded by this worker`}; the outputs have no audio`,
    );
  }
  await ensurePoster(ctx);
  const measured = await measureRenditions(ctx);
  const subtitles = await publishSubtitles(ctx, measured);
  const hls = request.formats.includes('hls');
  const masterPlaylist = hls ? await writeMasterPlaylist(ctx, measured, subtitles) : undefined;
  const dashManifest = hls ? await writeDashManifest(ctx, measured, subtitles) : undefined;
  const thumbnails = ctx.thumbnails ? await writeThumbnailIndex(ctx, ctx.thumbnails) : undefined;
  return {
    source: probed,
    audio,
    warnings,
    renditions: measured.renditions,
    files: await listOutputFiles(ctx.outDir),
    ...(masterPlaylist ? { masterPlaylist } : {}),
    ...(dashManifest ? { dashManifest } : {}),
    audioRenditions: measured.audioRenditions,
    subtitles,
    ...(ctx.normalized ? { loudness: ctx.normalized } : {}),
    poster: layout.poster,
    ...(thumbnails ? { thumbnails } : {}),
  };
}
