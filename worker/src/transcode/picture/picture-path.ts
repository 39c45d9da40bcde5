import type { ProbeStream } from '../ffmpeg/probe-json.ts';

/**
 * The picture path from the decoder to the scalers, decided once per source (pure): whether to
 * deinterlace, whether to tone-map HDR to SDR, and which matrix and range the frames carry into
 * the per-rung scalers, which convert them to what every output is: SDR BT.709, 8-bit, limited
 * range, tagged as such in the stream and the container.
 */

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

export const FIELD_ORDERS: Record<string, string> = {
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
