import { InvalidMediaError } from '../../base/errors.ts';
import {
  finishAudioRendition,
  finishRendition,
  type AudioRenditionSummary,
  type RenditionSummary,
} from '../package/rendition.ts';
import type { SourceInfo } from '../source/source-info.ts';
import type { FinishContext } from './context.ts';

export interface Renditions {
  readonly renditions: readonly RenditionSummary[];
  readonly audioRenditions: readonly AudioRenditionSummary[];
}

/**
 * Every rendition measured as ffmpeg wrote it (package/rendition.ts): with HLS, each audio
 * encode as a rendition of its own, which the rungs name; then the top rung checked against the
 * source's length.
 */
export async function measureRenditions(ctx: FinishContext): Promise<Renditions> {
  const { source, rungs, request, outDir } = ctx;
  const audioRenditions =
    request.formats.includes('hls') && source.audio
      ? await Promise.all(
          [...new Set(rungs.map((r) => r.audioKbps).filter((k) => k !== undefined))].map((kbps) =>
            finishAudioRendition(outDir, {
              kbps,
              channels: Math.min(2, source.audio!.channels),
              sampleRate: source.audio!.sampleRate,
            }),
          ),
        )
      : [];
  const renditions = await Promise.all(
    rungs.map((rung) => {
      const audio = audioRenditions.find((a) => a.kbps === rung.audioKbps);
      return finishRendition({
        paths: ctx.paths,
        outDir,
        rung,
        formats: request.formats,
        encoder: ctx.encoders[rung.codec],
        signal: ctx.signal,
        ...(audio ? { audio } : {}),
      });
    }),
  );
  checkComplete(source, renditions[0]!);
  return { renditions, audioRenditions };
}

/** Decoded video shorter than the source says by more than this is a damaged source. */
const TRUNCATION_TOLERANCE = { seconds: 1, fraction: 0.05 } as const;

/**
 * ffmpeg decodes a truncated or damaged file as far as it can and still exits 0; a rendition
 * much shorter than the source's own video duration means the source is broken.
 */
export function checkComplete(source: SourceInfo, top: RenditionSummary): void {
  const expected = source.video.durationSeconds;
  const tolerance = Math.max(
    TRUNCATION_TOLERANCE.seconds,
    expected * TRUNCATION_TOLERANCE.fraction,
  );
  if (top.durationSeconds + tolerance < expected) {
    throw new InvalidMediaError(
      `the source is truncated or damaged: only ${top.durationSeconds.toFixed(1)} s of its ${expected.toFixed(1)} s of video could be decoded`,
    );
  }
}
