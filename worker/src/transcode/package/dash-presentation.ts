import { AAC_LC_CODEC } from '../encode/audio.ts';
import { fpsExpression } from '../ffmpeg/expressions.ts';
import type { DashPresentation } from './dash.ts';
import type { AudioRenditionSummary, RenditionSummary } from './rendition.ts';
import type { SubtitleOutcome } from './subtitle-outputs.ts';

/**
 * The DASH view of the HLS tree: every rung's video and every audio rendition with the
 * timelines read from their segments, the WebVTT sidecars as text tracks. Undefined when a
 * track's timeline could not be read (the HLS outputs stand alone then).
 */
export function dashPresentation(p: {
  readonly renditions: readonly RenditionSummary[];
  readonly audio: readonly AudioRenditionSummary[];
  readonly subtitles: SubtitleOutcome['published'];
  readonly segmentSeconds: number;
  readonly audioLanguage?: string;
}): DashPresentation | undefined {
  const video: DashPresentation['video'][number][] = [];
  for (const r of p.renditions) {
    if (!r.hls?.timeline) return undefined;
    video.push({
      id: r.name,
      bandwidth: r.hls.peakKbps * 1000,
      codecs: r.codecs.split(',')[0]!,
      timeline: r.hls.timeline,
      width: r.width,
      height: r.height,
      frameRate: fpsExpression(r.frameRate),
    });
  }
  const audio: DashPresentation['audio'][number][] = [];
  for (const a of p.audio) {
    if (!a.hls.timeline) return undefined;
    audio.push({
      id: a.name,
      bandwidth: a.hls.peakKbps * 1000,
      codecs: AAC_LC_CODEC,
      timeline: a.hls.timeline,
      sampleRate: a.sampleRate,
      channels: a.channels,
    });
  }
  return {
    durationSeconds: p.renditions[0]!.hls!.durationSeconds,
    segmentSeconds: p.segmentSeconds,
    video,
    audio,
    text: p.subtitles.map((t) => ({
      id: t.id,
      uri: `../${t.vtt}`,
      label: t.name,
      ...(t.language ? { language: t.language } : {}),
      kind: t.kind,
      default: t.default,
    })),
    ...(p.audioLanguage ? { audioLanguage: p.audioLanguage } : {}),
  };
}
