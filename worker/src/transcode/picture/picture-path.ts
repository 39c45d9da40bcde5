import type { ProbeStream } from '../source/stream-choice.ts';

/**
 * The picture path from the decoder to the scalers, decided once per source (pure): whether to
 * deinterlace, whether to tone-map HDR to SDR, and which matrix and range the frames carry into
 * the per-rung scalers, which convert them to what every output is: SDR BT.709, 8-bit, limited
 * range, tagged as such in the stream and the container.
 */
export interface PicturePath {
  /**
   * Interlaced as the stream declares it (field order), or as idet found it when the stream
   * says nothing or progressive: deinterlaced with bwdif, before the split.
   */
  readonly deinterlace?: FieldOrder;
  /** `detected`: the stream's flags did not say so; bwdif is told the field order. */
  readonly fieldOrderFrom?: 'stream' | 'detected';
  /** HDR, by its transfer: tone-mapped to SDR BT.709 once, before the split. */
  readonly toneMap?: 'pq' | 'hlg';
  /** The matrix the frames reach the scalers in (after any tone mapping). */
  readonly matrix: ScalerMatrix;
  /** Full (`pc`: cameras' JPEG-range video) or limited (`tv`) range, likewise. */
  readonly range: 'tv' | 'pc';
  /** What the path does to this source, for the job's record. */
  readonly notes: readonly string[];
}

export type FieldOrder = 'tt' | 'bb' | 'tb' | 'bt';

/** The scale filter's names for the matrices it converts from. */
export type ScalerMatrix =
  'bt709' | 'bt601' | 'bt470' | 'smpte170m' | 'smpte240m' | 'fcc' | 'bt2020';

const FIELD_ORDERS: Record<string, string> = {
  tt: 'top field first',
  bb: 'bottom field first',
  tb: 'top field coded first, bottom shown first',
  bt: 'bottom field coded first, top shown first',
};

/** ffprobe's color_space to the scale filter's matrix. */
const MATRICES: Record<string, ScalerMatrix> = {
  bt709: 'bt709',
  bt470bg: 'bt470',
  smpte170m: 'smpte170m',
  smpte240m: 'smpte240m',
  fcc: 'fcc',
  bt2020nc: 'bt2020',
  bt2020c: 'bt2020',
};

const TRANSFERS = { smpte2084: 'pq', 'arib-std-b67': 'hlg' } as const;

/** Output tags for every video stream: BT.709 primaries, transfer and matrix, limited range. */
export const BT709_TAGS = [
  '-color_primaries',
  'bt709',
  '-color_trc',
  'bt709',
  '-colorspace',
  'bt709',
  '-color_range',
  'tv',
] as const;

export function decidePicture(stream: ProbeStream): PicturePath {
  const notes: string[] = [];
  const field = stream.field_order;
  const deinterlace = field && field in FIELD_ORDERS ? (field as FieldOrder) : undefined;
  if (deinterlace) notes.push(`interlaced (${FIELD_ORDERS[deinterlace]}): deinterlaced with bwdif`);
  const fields = deinterlace ? ({ deinterlace, fieldOrderFrom: 'stream' } as const) : {};

  const transfer = stream.color_transfer as keyof typeof TRANSFERS | undefined;
  const toneMap = transfer && transfer in TRANSFERS ? TRANSFERS[transfer] : undefined;
  if (toneMap) {
    notes.push(
      `HDR (${toneMap === 'pq' ? 'PQ, SMPTE ST 2084' : 'HLG, ARIB STD-B67'}, ${stream.color_primaries ?? 'bt2020'}): tone-mapped to SDR BT.709 (hable)`,
    );
    return {
      ...fields,
      toneMap,
      matrix: 'bt709',
      range: 'tv',
      notes,
    };
  }

  const declared = MATRICES[stream.color_space ?? ''];
  // Untagged video: what its size says (SD is BT.601, HD and up BT.709), as players assume.
  const matrix =
    declared ?? (Math.min(stream.width ?? 0, stream.height ?? 0) >= 720 ? 'bt709' : 'bt601');
  const range =
    stream.color_range === 'pc' || (stream.pix_fmt ?? '').startsWith('yuvj') ? 'pc' : 'tv';
  if (matrix !== 'bt709') {
    notes.push(
      `colours in ${declared ? stream.color_space : `${matrix} (untagged SD)`}: converted to BT.709`,
    );
  }
  if (range === 'pc') notes.push('full-range video: converted to limited range');
  return { ...fields, matrix, range, notes };
}

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

/**
 * The filters every frame goes through once, before the split: deinterlacing, the constant
 * output rate, and tone mapping (after the rate: fewer frames to convert), so HDR costs one
 * conversion however many rungs there are.
 */
export function preSplitFilters(picture: PicturePath | undefined, fps: string): string[] {
  return [...deinterlaceFilters(picture), `fps=${fps}`, ...toneMapFilters(picture)];
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

/** zscale to linear light, hable, back to BT.709 primaries, transfer, matrix and range. */
export function toneMapFilters(picture: PicturePath | undefined): string[] {
  if (!picture?.toneMap) return [];
  const transfer = picture.toneMap === 'pq' ? 'smpte2084' : 'arib-std-b67';
  return [
    `zscale=tin=${transfer}:pin=bt2020:min=bt2020nc:t=linear:npl=100`,
    'format=gbrpf32le',
    'zscale=p=bt709',
    'tonemap=tonemap=hable:desat=0',
    'zscale=t=bt709:m=bt709:r=tv',
    'format=yuv420p',
  ];
}

/** The scale filter's colour options for frames in `from`, converted to BT.709 limited. */
export function scalerColour(from: Pick<PicturePath, 'matrix' | 'range'>): string {
  return `in_color_matrix=${from.matrix}:out_color_matrix=bt709:in_range=${from.range === 'pc' ? 'full' : 'limited'}:out_range=limited`;
}
