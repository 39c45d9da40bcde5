/** One `-progress` block from ffmpeg, turned into what the job record and logs show. */
export interface Progress {
  readonly outTimeSeconds: number;
  /** Encoding speed as a multiple of real time (2 = twice as fast as playback). */
  readonly speed?: number;
  readonly frame?: number;
  readonly done: boolean;
}

/**
 * Incremental parser for `-progress pipe:1` output: key=value lines, each block ended by
 * `progress=continue` or `progress=end`. Feed it chunks as they arrive.
 */
export class ProgressParser {
  #buffer = '';
  #block = new Map<string, string>();
  readonly #onProgress: (p: Progress) => void;

  constructor(onProgress: (p: Progress) => void) {
    this.#onProgress = onProgress;
  }

  push(chunk: string): void {
    this.#buffer += chunk;
    let newline: number;
    while ((newline = this.#buffer.indexOf('\n')) !== -1) {
      const line = this.#buffer.slice(0, newline).trim();
      this.#buffer = this.#buffer.slice(newline + 1);
      const eq = line.indexOf('=');
      if (eq <= 0) continue;
      const key = line.slice(0, eq);
      const value = line.slice(eq + 1).trim();
      if (key === 'progress') {
        this.#emit(value === 'end');
      } else {
        this.#block.set(key, value);
      }
    }
  }

  #emit(done: boolean): void {
    const outUs = Number(this.#block.get('out_time_us') ?? this.#block.get('out_time_ms'));
    const speed = Number.parseFloat(this.#block.get('speed') ?? '');
    const frame = Number(this.#block.get('frame'));
    this.#block.clear();
    this.#onProgress({
      outTimeSeconds: Number.isFinite(outUs) && outUs > 0 ? outUs / 1e6 : 0,
      ...(Number.isFinite(speed) ? { speed } : {}),
      ...(Number.isFinite(frame) ? { frame } : {}),
      done,
    });
  }
}

/** Percent of the source done, clamped to [0, 100], one decimal. */
export function percentDone(p: Progress, durationSeconds: number): number {
  if (p.done) return 100;
  if (!(durationSeconds > 0)) return 0;
  return Math.min(100, Math.max(0, Math.round((p.outTimeSeconds / durationSeconds) * 1000) / 10));
}
