/**
 * Named ladders a message can ask for (`"ladder": "standard"`), and the bounds on explicit
 * rungs. A rung's height is its nominal "p" and applies to the short side of the picture: 720 is
 * 1280x720 for a landscape source and 720x1280 for a portrait one. Video is capped-quality x264 (CRF under a maxrate), so easy
 * content (animation, screen recordings) costs far less than the cap.
 */
export interface RungTemplate {
  /** The nominal height (720 = 720p): the short side of the picture, so portrait works too. */
  readonly height: number;
  /** The cap on the video bitrate (maxrate); the VBV buffer is twice this. */
  readonly maxVideoKbps: number;
  readonly audioKbps: number;
}

export interface LadderPreset {
  readonly crf: number;
  readonly rungs: readonly RungTemplate[];
}

export const LADDER_PRESETS = {
  standard: {
    crf: 23,
    rungs: [
      { height: 1080, maxVideoKbps: 5000, audioKbps: 128 },
      { height: 720, maxVideoKbps: 3000, audioKbps: 128 },
      { height: 480, maxVideoKbps: 1500, audioKbps: 96 },
      { height: 360, maxVideoKbps: 800, audioKbps: 96 },
      { height: 240, maxVideoKbps: 400, audioKbps: 64 },
      { height: 144, maxVideoKbps: 200, audioKbps: 64 },
    ],
  },
  high: {
    crf: 20,
    rungs: [
      { height: 1080, maxVideoKbps: 8000, audioKbps: 160 },
      { height: 720, maxVideoKbps: 4500, audioKbps: 128 },
      { height: 480, maxVideoKbps: 2000, audioKbps: 128 },
      { height: 360, maxVideoKbps: 1100, audioKbps: 96 },
      { height: 240, maxVideoKbps: 500, audioKbps: 64 },
      { height: 144, maxVideoKbps: 250, audioKbps: 64 },
    ],
  },
  economy: {
    crf: 26,
    rungs: [
      { height: 720, maxVideoKbps: 2000, audioKbps: 96 },
      { height: 480, maxVideoKbps: 1000, audioKbps: 96 },
      { height: 360, maxVideoKbps: 600, audioKbps: 64 },
      { height: 240, maxVideoKbps: 300, audioKbps: 64 },
      { height: 144, maxVideoKbps: 150, audioKbps: 48 },
    ],
  },
} as const satisfies Record<string, LadderPreset>;

export type LadderPresetName = keyof typeof LADDER_PRESETS;

/** Bounds on explicit rungs in a message. */
export const LIMITS = {
  maxRungs: 8,
  minRungHeight: 144,
  maxRungHeight: 2160,
  minVideoKbps: 50,
  maxVideoKbps: 50_000,
  minAudioKbps: 32,
  maxAudioKbps: 320,
} as const;

/**
 * The video codecs a ladder can be encoded in (`"codecs": ["h264", "hevc"]`): H.264 plays
 * everywhere; HEVC (hvc1) and AV1 spend fewer bits for the same picture where players decode
 * them. Each codec is a full set of the ladder's rungs, on the same keyframes.
 */
export const VIDEO_CODECS = ['h264', 'hevc', 'av1'] as const;

export type VideoCodec = (typeof VIDEO_CODECS)[number];
