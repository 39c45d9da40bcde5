import { layout } from '../ladder/layout.ts';

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

/** A WebVTT cue time, `hh:mm:ss.mmm`. */
export function vttTimestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}
