import type { AudioPolicy, JobRequest, SubtitlePolicy } from '../../contract/message.ts';
import type { SourceInfo } from '../source/source-info.ts';
import { evenFloor, planLadder, type PlannedRung } from './ladder.ts';

/** What a job asks of the transcode: the parts of its message the engine reads. */
export type TranscodeRequest = Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'> & {
  /** Default `["h264"]`. */
  readonly codecs?: JobRequest['codecs'];
  /** Default `auto`. */
  readonly audio?: AudioPolicy;
  /** Default `auto`. */
  readonly subtitles?: SubtitlePolicy;
  readonly loudness?: JobRequest['loudness'];
};

export interface ThumbnailSpec {
  readonly intervalSeconds: number;
  readonly width: number;
  /** Sprite sheets of columns x rows thumbnails, indexed by a WebVTT file. */
  readonly columns: number;
  readonly rows: number;
}

const THUMBNAIL_GRID = { width: 160, columns: 5, rows: 5 } as const;

/** The rungs and thumbnail grid a request asks of a source (pure; the same for a run and its retry). */
export function planOutputs(
  request: Pick<TranscodeRequest, 'ladder' | 'thumbnails' | 'codecs'>,
  source: SourceInfo,
): { readonly rungs: PlannedRung[]; readonly thumbnails: ThumbnailSpec | false } {
  const rungs = planLadder(source, request.ladder, request.codecs);
  const thumbnails: ThumbnailSpec | false =
    request.thumbnails === false
      ? false
      : { intervalSeconds: request.thumbnails.intervalSeconds, ...THUMBNAIL_GRID };
  return { rungs, thumbnails };
}

/** The distinct audio bitrates of a ladder, highest rung's first; none without audio. */
export function ladderAudioRates(
  rungs: readonly Pick<PlannedRung, 'audioKbps'>[],
  source: Pick<SourceInfo, 'audio'> | undefined,
): number[] {
  if (!source?.audio) return [];
  return [...new Set(rungs.map((r) => r.audioKbps).filter((k): k is number => k !== undefined))];
}

/** The poster: as wide as the top rung, at most 1280 pixels, its aspect ratio. */
export function posterSize(top: Pick<PlannedRung, 'width' | 'height'>): {
  readonly width: number;
  readonly height: number;
} {
  const width = Math.min(1280, top.width);
  return { width, height: even((width * top.height) / top.width) };
}

/** Thumbnails keep the top rung's aspect ratio. */
export function thumbnailHeight(
  t: Pick<ThumbnailSpec, 'width'>,
  top: Pick<PlannedRung, 'width' | 'height'>,
): number {
  return even((t.width * top.height) / top.width);
}

function even(value: number): number {
  return Math.max(2, evenFloor(value));
}
