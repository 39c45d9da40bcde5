import { deinterlaceFilters } from './interlace.ts';
import type { PicturePath } from './picture-path.ts';

/**
 * The filters every frame goes through on its way to the scalers, and the colour the outputs
 * say they are in: HDR tone-mapped once, every rung SDR BT.709 limited range.
 */

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

/**
 * The filters every frame goes through once, before the split: deinterlacing, the constant
 * output rate, and tone mapping (after the rate: fewer frames to convert), so HDR costs one
 * conversion however many rungs there are.
 */
export function preSplitFilters(picture: PicturePath | undefined, fps: string): string[] {
  return [...deinterlaceFilters(picture), `fps=${fps}`, ...toneMapFilters(picture)];
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
