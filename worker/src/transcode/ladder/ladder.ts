import type { RungRequest } from '../../contract/message.ts';
import {
  LADDER_PRESETS,
  VIDEO_CODECS,
  type LadderPresetName,
  type RungTemplate,
  type VideoCodec,
} from '../../contract/ladder-presets.ts';
import type { SourceInfo } from '../source/source-info.ts';

/** One rendition to encode, in output pixels, in one codec. */
export interface PlannedRung {
  /**
   * `720p` (H.264) or `720p-hevc`, `720p-av1`: also the rendition's directory and file name
   * (variantName).
   */
  readonly name: string;
  /** The codec of its video; a ladder in several codecs has a rung of each per picture. */
  readonly codec: VideoCodec;
  readonly width: number;
  readonly height: number;
  readonly crf: number;
  readonly maxVideoKbps: number;
  readonly bufferKbps: number;
  /** Undefined when the source has no audio. */
  readonly audioKbps?: number;
  /** The rung's frame rate: the source's, or a whole fraction of it for small rungs. */
  readonly frameRate: number;
  /** 1, or every n-th frame of the source kept (a 60 fps source's small rungs: 2). */
  readonly frameStep: number;
}

/** Above this (30000/1001, 30 and a rounding margin), a source counts as high frame rate. */
const HIGH_FRAME_RATE = 31;
/**
 * Rungs with a short side below this keep at most 30 frames a second (the top rung aside): a
 * 60 fps source's 480p and smaller rungs are 30 fps, as Apple's HLS authoring spec lists them, spending their few
 * bits on sharper frames rather than more of them. Every other frame, so the frames kept are
 * the source's own and every segment boundary still falls on one.
 */
const FULL_RATE_MIN_HEIGHT = 720;

/**
 * Plans the ladder for a source: the requested rungs at or below the source's short side
 * (never upscaled), each sized from the display aspect ratio with even dimensions. A source
 * smaller than every rung gets one rung at its own size.
 */
export function planLadder(
  source: SourceInfo,
  ladder: LadderPresetName | readonly RungRequest[],
  codecs: readonly VideoCodec[] = ['h264'],
): PlannedRung[] {
  const pictures = planPictures(source, ladder);
  // Codec by codec in one order (H.264 first): the first rung is the top H.264 one when H.264
  // is asked, the rung the poster, thumbnails and the length check are taken from.
  return VIDEO_CODECS.filter((c) => codecs.includes(c)).flatMap((codec) =>
    pictures.map((p) => ({ ...p, codec, name: variantName(p.name, codec) })),
  );
}

/**
 * A rung's name in a codec: H.264's keeps the picture's (`720p`, as before codecs could be
 * chosen), the others add theirs (`720p-hevc`).
 */
export function variantName(picture: string, codec: VideoCodec): string {
  return codec === 'h264' ? picture : `${picture}-${codec}`;
}

/** The pictures of a ladder, codec aside. */
function planPictures(
  source: SourceInfo,
  ladder: LadderPresetName | readonly RungRequest[],
): Omit<PlannedRung, 'codec'>[] {
  const { crf, templates } = resolveTemplates(ladder);
  const { displayWidth: w, displayHeight: h } = source.video;
  const portrait = h > w;
  const short = Math.min(w, h);
  const long = Math.max(w, h);
  const hasAudio = source.audio !== undefined;
  const sourceRate = source.video.frameRate;

  const fitting = templates.filter((t) => t.height <= short).sort((a, b) => b.height - a.height);
  const chosen: RungTemplate[] =
    fitting.length > 0 ? fitting : [sourceSizedTemplate(short, templates)];

  return chosen.map((t, i) => {
    const shortSide = evenFloor(t.height);
    // Nearest even width keeps the aspect ratio closest, without ever exceeding the source.
    const longSide = Math.max(
      2,
      Math.min(evenFloor(long), Math.round((shortSide * long) / short / 2) * 2),
    );
    // The top rung always keeps the source's rate: a 480p60 game capture stays 60 fps.
    const frameStep =
      i > 0 && shortSide < FULL_RATE_MIN_HEIGHT && sourceRate > HIGH_FRAME_RATE
        ? Math.ceil(sourceRate / HIGH_FRAME_RATE)
        : 1;
    const frameRate = sourceRate / frameStep;
    // More frames need more bits (Apple's HLS authoring spec gives 60 fps rungs about half as
    // much again as 30 fps ones); the CRF decides, the cap only has to leave room.
    const rateFactor = frameRate > HIGH_FRAME_RATE ? 1.5 : 1;
    return {
      name: `${shortSide}p`,
      width: portrait ? shortSide : longSide,
      height: portrait ? longSide : shortSide,
      crf,
      maxVideoKbps: Math.round(t.maxVideoKbps * rateFactor),
      bufferKbps: Math.round(t.maxVideoKbps * rateFactor) * 2,
      ...(hasAudio ? { audioKbps: t.audioKbps } : {}),
      frameRate,
      frameStep,
    };
  });
}

function resolveTemplates(ladder: LadderPresetName | readonly RungRequest[]): {
  crf: number;
  templates: RungTemplate[];
} {
  if (typeof ladder === 'string') {
    const preset = LADDER_PRESETS[ladder];
    return { crf: preset.crf, templates: [...preset.rungs] };
  }
  const standard = LADDER_PRESETS.standard;
  return {
    crf: standard.crf,
    templates: ladder.map((r) => {
      const nearest = nearestTemplate(r.height, standard.rungs);
      return {
        height: r.height,
        maxVideoKbps: r.videoBitrateKbps ?? scaleKbps(nearest, r.height),
        audioKbps: r.audioBitrateKbps ?? nearest.audioKbps,
      };
    }),
  };
}

/** A source below the smallest rung: one rung at its own size, with the smallest rung's rates. */
function sourceSizedTemplate(short: number, templates: readonly RungTemplate[]): RungTemplate {
  const smallest = [...templates].sort((a, b) => a.height - b.height)[0]!;
  return {
    ...smallest,
    height: Math.max(2, evenFloor(short)),
    maxVideoKbps: scaleKbps(smallest, short),
  };
}

function nearestTemplate(height: number, templates: readonly RungTemplate[]): RungTemplate {
  return [...templates].sort(
    (a, b) => Math.abs(a.height - height) - Math.abs(b.height - height),
  )[0]!;
}

/** Bitrate scales with pixel count; keep a floor so tiny rungs stay watchable. */
function scaleKbps(template: RungTemplate, height: number): number {
  const ratio = (height / template.height) ** 2;
  return Math.max(50, Math.round(template.maxVideoKbps * ratio));
}

/** Rounds down to an even number (H.264 with 4:2:0 needs even sides). */
export function evenFloor(value: number): number {
  return Math.floor(value / 2) * 2;
}
