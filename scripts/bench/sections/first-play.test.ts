import { describe, expect, it } from 'vitest';
import { firstPlay } from './first-play.ts';

describe('time to first play, simulated', () => {
  const chunks = [
    { startSeconds: 0, lengthSeconds: 8, wallSeconds: 16 },
    { startSeconds: 8, lengthSeconds: 12, wallSeconds: 24 },
    { startSeconds: 20, lengthSeconds: 16, wallSeconds: 32 },
  ];

  it('is the planner, then the first chunk (and the audio) done; no stall when every chunk runs at once', () => {
    const r = firstPlay({ plannerSeconds: 5, audioSeconds: 10, chunks, pods: 8 });
    expect(r).toEqual({
      firstPlaySeconds: 21,
      allListedSeconds: 37,
      stallSeconds: 0,
      noStallStartSeconds: 21,
    });
  });

  it('waits for the audio, and stalls a viewer where too few pods leave a chunk late', () => {
    // Two pods: the audio (30 s) and chunk 0 first; chunk 1 after chunk 0 (16 + 24), chunk 2 after the audio.
    const r = firstPlay({ plannerSeconds: 0, audioSeconds: 30, chunks, pods: 2 });
    expect(r.firstPlaySeconds).toBe(30);
    // Chunk 1 listed at 40, reached at 38: 2 s. Chunk 2 listed at 62, reached at 30 + 20 + 2 = 52: 10 s.
    expect(r.stallSeconds).toBe(12);
    expect(r.noStallStartSeconds).toBe(42);
    expect(r.allListedSeconds).toBe(62);
  });
});
