import { describe, expect, it } from 'vitest';
import { firstPlay } from './first-play.ts';

describe('time to first play, simulated', () => {
  const chunks = [
    { startSeconds: 0, lengthSeconds: 8, wallSeconds: 16 },
    { startSeconds: 8, lengthSeconds: 12, wallSeconds: 24 },
    { startSeconds: 20, lengthSeconds: 16, wallSeconds: 32 },
  ];
  const planner = { audio: 4, chunks: [2, 5, 5] };
  // The audio's first segments 1 s after it starts, then 0.1 s of work per second of audio.
  const audio = { wallSeconds: 10, firstSeconds: 1, pace: 0.1 };

  it('is the first chunk sent and done, with the audio published as far as its end', () => {
    const r = firstPlay({ planner, audio, chunks, pods: 8 });
    // Chunk 0 on the queue at 2 s, done at 18 s; the audio (from 4 s) reaches 8 s at 5.8 s.
    expect(r.firstPlaySeconds).toBe(18);
    // Chunk 1 from 5 s, done at 29 s, reached at 26 s: 3 s of stall (its Job is slower than
    // real time); chunk 2 done at 37 s, reached at 41 s.
    expect(r).toEqual({
      firstPlaySeconds: 18,
      allListedSeconds: 37,
      stallSeconds: 3,
      noStallStartSeconds: 21,
    });
  });

  it('waits for an audio that is slow to reach the first chunk, and stalls a viewer where too few pods leave a chunk late', () => {
    // A slow audio: 30 s in all, 2 s a source second: it reaches 8 s at 4 + 1 + 16 = 21 s.
    const slow = { wallSeconds: 30, firstSeconds: 1, pace: 2 };
    const one = firstPlay({ planner, audio: slow, chunks: chunks.slice(0, 1), pods: 8 });
    expect(one.firstPlaySeconds).toBe(21);
    // Two pods: chunk 0 (2-18) and the audio (4-34); chunk 1 after chunk 0 (18-42), chunk 2
    // after the audio (34-66). Listed: 21, 42, 66.
    const r = firstPlay({ planner, audio: slow, chunks, pods: 2 });
    expect(r.firstPlaySeconds).toBe(21);
    // Chunk 1 reached at 29 (listed 42): 13 s; chunk 2 reached at 21 + 20 + 13 = 54 (listed 66): 12 s.
    expect(r.stallSeconds).toBe(25);
    expect(r.noStallStartSeconds).toBe(46);
    expect(r.allListedSeconds).toBe(66);
  });
});
