import { fpsExpression, secondsExpression } from '../ffmpeg/expressions.ts';
import type { PlannedRung } from '../ladder/ladder.ts';
import { posterSize, thumbnailHeight, type ThumbnailSpec } from '../ladder/plan.ts';
import { preSplitFilters, scalerColour } from '../picture/colour.ts';
import type { SourceInfo } from '../source/source-info.ts';
import type { ChunkWindow } from '../split/chunks.ts';
import { chunkThumbnails } from './images.ts';

/**
 * The single-decode ladder's filter graph: the chosen video stream decoded once, taken through
 * the picture path once (picture/), split, and scaled per rung (small rungs from a larger rung,
 * see scalingParents), with a branch for the poster and one for the thumbnails. Its outputs are
 * labelled as GRAPH_LABELS says; the ladder run maps them.
 */
export const GRAPH_LABELS = {
  /** Rung i's frames, in the encoder's pixel format. */
  video: (i: number) => `[v${i}]`,
  poster: '[poster]',
  thumbnails: '[thumbs]',
  /** The sprite sheets, tiled from the thumbnails (single runs; a stitch tiles a chunked job's). */
  sprites: '[sprites]',
} as const;

export interface GraphSpec {
  readonly source: SourceInfo;
  readonly rungs: readonly PlannedRung[];
  /** swscale algorithm for the downscales. */
  readonly scaler: string;
  /** The pixel format every rung's frames end in: the video encoder's. */
  readonly pixelFormat: string;
  /** The poster's time on the run's timeline, or false for no poster branch. */
  readonly posterAtSeconds: number | false;
  readonly thumbnails: false | ThumbnailSpec;
  /** One chunk of a long source: its thumbnails are put on the whole source's timeline. */
  readonly window?: ChunkWindow;
}

/** The graph, and where a chunk's thumbnails are numbered from (chunkThumbnails). */
export interface LadderGraph {
  readonly filter: string;
  readonly chunkThumbnails?: { readonly shiftSeconds: number; readonly first: number };
}

export function ladderFilterGraph(spec: GraphSpec): LadderGraph {
  const { rungs, source, window } = spec;
  if (rungs.length === 0) throw new Error('a ladder needs at least one rung');
  const top = rungs[0]!;
  const scale = (w: number, h: number, colour?: string) =>
    `scale=w=${w}:h=${h}:flags=${spec.scaler}${colour ? `:${colour}` : ''},setsar=1`;
  // A ladder in several codecs scales each picture once and hands it to every codec's rung.
  const pictureOf = samePictures(rungs);
  const pictures = rungs.map((_, i) => i).filter((i) => pictureOf[i] === i);
  const pictureParents = scalingParents(pictures.map((i) => rungs[i]!));
  const parents: (number | undefined)[] = [];
  for (const [k, i] of pictures.entries()) {
    const parent = pictureParents[k];
    parents[i] = parent === undefined ? undefined : pictures[parent];
  }
  const fromSource = pictures.filter((i) => parents[i] === undefined);
  const posterBranch = spec.posterAtSeconds === false ? undefined : fromSource.length;
  const thumbBranch = spec.thumbnails
    ? fromSource.length + (posterBranch === undefined ? 0 : 1)
    : undefined;
  const branches =
    fromSource.length + (posterBranch === undefined ? 0 : 1) + (thumbBranch === undefined ? 0 : 1);

  // The chosen stream by its index (a file may hold several), at the probe's frame rate: the
  // outputs are constant-rate at the rate the packets show, whatever the container claims.
  // Deinterlacing and tone mapping run once here, before the split (picture/); the scalers
  // of the rungs taken from the source convert its colours to BT.709 limited range.
  const picture = source.video.picture;
  const pre = preSplitFilters(picture, fpsExpression(source.video.frameRate)).join(',');
  const sourceColour = picture ? scalerColour(picture) : undefined;
  const filters = [
    `[0:${source.video.index}]${pre},split=${branches}${range(branches)
      .map((i) => `[s${i}]`)
      .join('')}`,
    ...pictures.map((i) => {
      const r = rungs[i]!;
      const fromParent = parents[i] !== undefined;
      const input = fromParent ? `[r${parents[i]}to${i}]` : `[s${fromSource.indexOf(i)}]`;
      const children = pictures.filter((c) => parents[c] === i);
      const variants = rungs.map((_, v) => v).filter((v) => pictureOf[v] === i);
      // A small rung of a high-rate source keeps every n-th frame, dropped before it is scaled
      // (once: a rung scaled from an already reduced parent inherits its rate).
      const parentStep = fromParent ? rungs[parents[i]!]!.frameStep : 1;
      const reduce = r.frameStep !== parentStep ? `fps=${fpsExpression(r.frameRate)},` : '';
      const chain = `${input}${reduce}${scale(r.width, r.height, fromParent ? undefined : sourceColour)},format=${spec.pixelFormat}`;
      const outputs = [
        ...variants.map((v) => GRAPH_LABELS.video(v)),
        ...children.map((c) => `[r${i}to${c}]`),
      ];
      return outputs.length === 1
        ? `${chain}${outputs[0]}`
        : `${chain},split=${outputs.length}${outputs.join('')}`;
    }),
  ];
  if (spec.posterAtSeconds !== false) {
    const poster = posterSize(top);
    filters.push(
      `[s${posterBranch}]trim=start=${secondsExpression(spec.posterAtSeconds)},${scale(poster.width, poster.height)}${GRAPH_LABELS.poster}`,
    );
  }
  const frameSeconds = 1 / source.video.frameRate;
  const thumbs =
    spec.thumbnails && window ? chunkThumbnails(spec.thumbnails, window, frameSeconds) : undefined;
  if (spec.thumbnails) {
    // A thumbnail every interval: the frame nearest each multiple of it (the one whose half
    // frame either side holds it). A chunk's frames are put back on the source's timeline
    // first (its first frame at its known time: where ffmpeg starts a seeked run's timestamps
    // varies by a frame), so it takes exactly the ones a single run takes in its range, and
    // the stitch tiles the sprites from all of them.
    const t = spec.thumbnails;
    const every = secondsExpression(t.intervalSeconds);
    const half = (frameSeconds / 2).toFixed(9);
    // The whole source's first frame is the first thumbnail, wherever the video starts.
    const firstFrame = !window || window.index === 0 ? '+eq(n\\,0)' : '';
    const pick = `select=gt(floor((t+${half})/${every})\\,floor((t-${half})/${every}))${firstFrame}`;
    const size = scale(t.width, thumbnailHeight(t, top));
    filters.push(
      thumbs
        ? `[s${thumbBranch}]setpts=PTS-STARTPTS+round(${thumbs.shiftSeconds}/TB),${pick},${size}${GRAPH_LABELS.thumbnails}`
        : `[s${thumbBranch}]${pick},${size},split=2${GRAPH_LABELS.thumbnails}[tiles]`,
    );
    if (!thumbs) filters.push(`[tiles]tile=${t.columns}x${t.rows}${GRAPH_LABELS.sprites}`);
  }
  return { filter: filters.join(';'), ...(thumbs ? { chunkThumbnails: thumbs } : {}) };
}

/**
 * For each rung, the first rung with the same picture (size and frame rate): the same rung in
 * another codec.
 */
export function samePictures(
  rungs: readonly Pick<PlannedRung, 'width' | 'height' | 'frameStep'>[],
): number[] {
  return rungs.map((r) =>
    rungs.findIndex(
      (o) => o.width === r.width && o.height === r.height && o.frameStep === r.frameStep,
    ),
  );
}

/**
 * Where each rung is scaled from: the smallest larger rung at least twice its size on both
 * sides, else the source (undefined). A downscale by more than 2x needs a wide, costly filter
 * kernel; taking 360p from 720p rather than from 2160p keeps every scale cheap, and a 2x step
 * from a good downscale loses next to nothing (measured: SSIM within 0.001 of a direct scale;
 * see the README).
 */
export function scalingParents(
  rungs: readonly Pick<PlannedRung, 'width' | 'height'>[],
): (number | undefined)[] {
  return rungs.map((rung, i) => {
    let parent: number | undefined;
    for (let j = 0; j < i; j++) {
      const candidate = rungs[j]!;
      if (candidate.width >= 2 * rung.width && candidate.height >= 2 * rung.height) {
        if (parent === undefined || candidate.width < rungs[parent]!.width) parent = j;
      }
    }
    return parent;
  });
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
