import { describe, expect, it } from 'vitest';
import { planLadder } from '../ladder/ladder.ts';
import { sourceInfo } from '../source/fixtures.ts';
import { scalingParents } from './filter-graph.ts';

describe('scalingParents', () => {
  it('scales each rung from the smallest rung at least twice its size, else from the source', () => {
    const ladder = planLadder(sourceInfo(), 'standard'); // 1080p .. 144p
    expect(ladder.map((r) => r.name)).toEqual(['1080p', '720p', '480p', '360p', '240p', '144p']);
    expect(scalingParents(ladder)).toEqual([undefined, undefined, 0, 1, 2, 3]);
    const portrait = planLadder(sourceInfo({ width: 720, height: 1280 }), 'standard'); // 720p .. 144p
    expect(scalingParents(portrait)).toEqual([undefined, undefined, 0, 1, 2]);
  });
});
