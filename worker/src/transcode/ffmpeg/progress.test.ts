import { describe, expect, it } from 'vitest';
import { percentDone, ProgressParser, type Progress } from './progress.ts';

describe('ProgressParser', () => {
  it('emits one update per -progress block, across chunk boundaries', () => {
    const seen: Progress[] = [];
    const parser = new ProgressParser((p) => seen.push(p));
    parser.push('frame=10\nfps=0.0\nout_time_us=400000\nspeed=2.5');
    parser.push('x\nprogress=continue\nframe=50\nout_time_us=2000000\nspeed=N/A\nprogress=end\n');
    expect(seen).toEqual([
      { outTimeSeconds: 0.4, speed: 2.5, frame: 10, done: false },
      { outTimeSeconds: 2, frame: 50, done: true },
    ]);
  });

  it('turns progress into a clamped percentage', () => {
    expect(percentDone({ outTimeSeconds: 3, done: false }, 12)).toBe(25);
    expect(percentDone({ outTimeSeconds: 30, done: false }, 12)).toBe(100);
    expect(percentDone({ outTimeSeconds: 0, done: true }, 12)).toBe(100);
    expect(percentDone({ outTimeSeconds: 1, done: false }, 0)).toBe(0);
  });
});
