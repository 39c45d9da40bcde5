import { layout } from '../ladder/layout.ts';
import { vttTimestamp } from './webvtt.ts';

/**
 * The WebVTT index of the thumbnail sprite sheets, the de-facto format players (video.js,
 * JW Player, hls.js UIs) use for seek-bar previews: one cue per thumbnail, pointing at its cell
 * in a sheet with a `#xywh=` media fragment.
 */
export function buildThumbnailVtt(options: {
  readonly count: number;
  readonly intervalSeconds: number;
  readonly durationSeconds: number;
  readonly width: number;
  readonly height: number;
  readonly columns: number;
  readonly rows: number;
}): string {
  const { count, intervalSeconds, durationSeconds, width, height, columns, rows } = options;
  const perSheet = columns * rows;
  const cues: string[] = ['WEBVTT', ''];
  for (let i = 0; i < count; i++) {
    const start = i * intervalSeconds;
    if (start >= durationSeconds && i > 0) break;
    const end = Math.min((i + 1) * intervalSeconds, Math.max(durationSeconds, start + 0.001));
    const cell = i % perSheet;
    const x = (cell % columns) * width;
    const y = Math.floor(cell / columns) * height;
    cues.push(
      `${vttTimestamp(start)} --> ${vttTimestamp(end)}`,
      `${layout.sprite(Math.floor(i / perSheet))}#xywh=${x},${y},${width},${height}`,
      '',
    );
  }
  return cues.join('\n');
}
