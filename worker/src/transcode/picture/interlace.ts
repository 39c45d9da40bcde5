import { FIELD_ORDERS, type FieldOrder, type PicturePath } from './picture-path.ts';

/**
 * Interlaced video the stream does not declare: which sources are sampled with ffmpeg's idet,
 * how its verdict is read, and bwdif, the deinterlacer every interlaced source goes through.
 */

/**
 * Codecs that can carry interlaced pictures, and the heights of the interlaced formats
 * (480i/486i NTSC, 576i PAL, 1080i): only such a source, not already declared interlaced and
 * at most 30 frames a second, is sampled with idet, since the flag is often missing (DV, old
 * MPEG-2, captures re-wrapped as progressive). Phones, screen recordings and web codecs are not.
 */
const INTERLACE_CODECS = new Set([
  'h264',
  'hevc',
  'mpeg2video',
  'mpeg1video',
  'mpeg4',
  'dvvideo',
  'prores',
  'dnxhd',
  'vc1',
  'mjpeg',
  'rawvideo',
  'v210',
]);

const INTERLACED_HEIGHTS = new Set([480, 486, 576, 1080, 1088]);

export function interlaceCheckNeeded(video: {
  readonly codec: string;
  readonly height: number;
  readonly frameRate: number;
  readonly picture?: PicturePath;
}): boolean {
  return (
    !video.picture?.deinterlace &&
    INTERLACE_CODECS.has(video.codec) &&
    INTERLACED_HEIGHTS.has(video.height) &&
    video.frameRate <= 30.5
  );
}

export interface IdetCounts {
  readonly tff: number;
  readonly bff: number;
  readonly progressive: number;
  readonly undetermined: number;
}

/** idet's multi-frame verdict from ffmpeg's log; undefined when it printed none. */
export function parseIdet(log: string): IdetCounts | undefined {
  const m =
    /Multi frame detection: TFF:\s*(\d+)\s+BFF:\s*(\d+)\s+Progressive:\s*(\d+)\s+Undetermined:\s*(\d+)/.exec(
      log,
    );
  if (!m) return undefined;
  const [tff, bff, progressive, undetermined] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
  ];
  return { tff, bff, progressive, undetermined };
}

/** Frames idet must have decided before its verdict is taken. */
const IDET_MIN_DECIDED = 20;

/**
 * The picture path once idet has looked at a sample: interlaced when most frames it could
 * decide show combing in one field order. Sharp synthetic or screen content fools idet into
 * both orders at once (measured: a progressive test pattern gives TFF 38, BFF 25, progressive
 * 12); real interlaced video is one order throughout. A still or flat sample decides nothing.
 */
export function withDetectedInterlacing(picture: PicturePath, counts: IdetCounts): PicturePath {
  const dominant = Math.max(counts.tff, counts.bff);
  const other = Math.min(counts.tff, counts.bff);
  const decided = counts.tff + counts.bff + counts.progressive;
  if (
    picture.deinterlace ||
    decided < IDET_MIN_DECIDED ||
    dominant < 0.6 * decided ||
    dominant < 4 * other
  ) {
    return picture;
  }
  const interlaced = dominant;
  const order: FieldOrder = counts.tff >= counts.bff ? 'tt' : 'bb';
  return {
    ...picture,
    deinterlace: order,
    fieldOrderFrom: 'detected',
    notes: [
      `interlaced (${FIELD_ORDERS[order]}, found by idet in ${interlaced} of ${decided} sampled frames; the stream does not say so): deinterlaced with bwdif`,
      ...picture.notes,
    ],
  };
}

/** bwdif with send_frame: one frame per frame (the rate stays the source's), every frame. */
export function deinterlaceFilters(picture: PicturePath | undefined): string[] {
  if (!picture?.deinterlace) return [];
  // Declared: the frames' own flags (they may change mid-stream). Detected: the frames say
  // progressive, so bwdif is told which field comes first on screen.
  const parity =
    picture.fieldOrderFrom === 'detected'
      ? picture.deinterlace === 'tt' || picture.deinterlace === 'bt'
        ? 'tff'
        : 'bff'
      : 'auto';
  return [`bwdif=mode=send_frame:parity=${parity}:deint=all`];
}
