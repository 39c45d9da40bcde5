import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { layout } from '../ladder/layout.ts';
import { buildMasterPlaylist, type SubtitleRendition, type Variant } from '../package/hls.ts';
import type { SubtitleOutcome } from '../package/subtitle-outputs.ts';
import { languageName } from '../source/subtitle-tracks.ts';
import type { FinishContext } from './context.ts';
import type { Renditions } from './renditions.ts';

/** The HLS master playlist over every rung, audio rendition and subtitle track; its path. */
export async function writeMasterPlaylist(
  ctx: FinishContext,
  { renditions, audioRenditions }: Renditions,
  subtitles: SubtitleOutcome,
): Promise<string> {
  const audioLanguage = ctx.source.audio?.language;
  const audioName = audioLanguage ? languageName(audioLanguage) : 'Audio';
  const variants: Variant[] = renditions.map((r) => ({
    uri: `${r.name}/playlist.m3u8`,
    bandwidth: r.peakBitrateKbps * 1000,
    averageBandwidth: r.averageBitrateKbps * 1000,
    width: r.width,
    height: r.height,
    codecs: r.codecs,
    frameRate: r.frameRate,
    ...(r.audio ? { audioGroup: r.audio } : {}),
  }));
  const subtitleRenditions: SubtitleRendition[] = subtitles.published.map((t) => ({
    uri: t.hlsPlaylist!.slice('hls/'.length),
    name: t.name,
    ...(t.language ? { language: t.language } : {}),
    default: t.default,
    forced: t.forced,
  }));
  await writeFile(
    join(ctx.outDir, layout.hlsMaster),
    buildMasterPlaylist(
      variants,
      subtitleRenditions,
      audioRenditions.map((a) => ({
        groupId: a.name,
        uri: `${a.name}/playlist.m3u8`,
        name: audioName,
        ...(audioLanguage ? { language: audioLanguage } : {}),
        channels: a.channels,
      })),
    ),
  );
  return layout.hlsMaster;
}
