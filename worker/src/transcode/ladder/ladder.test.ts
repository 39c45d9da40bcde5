import { describe, expect, it } from 'vitest';
import { sourceInfo } from '../source/fixtures.ts';
import { planLadder } from './ladder.ts';

const sizes = (rungs: { name: string; width: number; height: number }[]) =>
  rungs.map((r) => `${r.name} ${r.width}x${r.height}`);

describe('planLadder', () => {
  it('plans the standard ladder for a 1080p source, top first', () => {
    expect(sizes(planLadder(sourceInfo(), 'standard'))).toEqual([
      '1080p 1920x1080',
      '720p 1280x720',
      '480p 854x480',
      '360p 640x360',
      '240p 426x240',
      '144p 256x144',
    ]);
  });

  it('gives high-frame-rate rungs half as many bits again (the cap; the CRF decides below it)', () => {
    const at = (frameRate: number) =>
      planLadder(sourceInfo({ frameRate }), 'standard').map((r) => [
        r.name,
        r.frameRate,
        r.frameStep,
        r.maxVideoKbps,
        r.bufferKbps,
      ]);
    const normal = at(30);
    for (const rate of [23.976, 25, 29.97]) {
      expect(at(rate)).toEqual(normal.map(([n, , , max, buf]) => [n, rate, 1, max, buf]));
    }
    // 1080p and 720p keep 60 fps with 1.5x the cap; 480p and below keep every other frame.
    expect(at(60)).toEqual(
      normal.map(([n, , , max, buf]) =>
        ['1080p', '720p'].includes(n as string)
          ? [n, 60, 1, Math.round((max as number) * 1.5), Math.round((max as number) * 1.5) * 2]
          : [n, 30, 2, max, buf],
      ),
    );
    expect(at(59.94).map((r) => r[1])).toEqual([59.94, 59.94, 29.97, 29.97, 29.97, 29.97]);
    expect(at(50).map((r) => r[1])).toEqual([50, 50, 25, 25, 25, 25]);
    expect(at(120).map((r) => r[2])).toEqual([1, 1, 4, 4, 4, 4]);
  });

  it('keeps the top rung at the source rate, however small', () => {
    const rungs = planLadder(sourceInfo({ width: 854, height: 480, frameRate: 60 }), 'standard');
    expect(rungs.map((r) => [r.name, r.frameRate])).toEqual([
      ['480p', 60],
      ['360p', 30],
      ['240p', 30],
      ['144p', 30],
    ]);
  });

  it('never upscales: a 720p source starts at 720p', () => {
    expect(sizes(planLadder(sourceInfo({ width: 1280, height: 720 }), 'standard'))[0]).toBe(
      '720p 1280x720',
    );
    expect(planLadder(sourceInfo({ width: 1280, height: 720 }), 'standard')).toHaveLength(5);
  });

  it('applies rung heights to the short side of portrait video (9:16)', () => {
    expect(
      sizes(planLadder(sourceInfo({ width: 1080, height: 1920 }), 'standard')).slice(0, 2),
    ).toEqual(['1080p 1080x1920', '720p 720x1280']);
  });

  it('keeps a 4:3 source 4:3 with even sides', () => {
    expect(sizes(planLadder(sourceInfo({ width: 640, height: 480 }), 'standard'))).toEqual([
      '480p 640x480',
      '360p 480x360',
      '240p 320x240',
      '144p 192x144',
    ]);
  });

  it('handles odd dimensions without exceeding the source', () => {
    const rungs = planLadder(sourceInfo({ width: 641, height: 361 }), 'standard');
    expect(sizes(rungs)).toEqual(['360p 640x360', '240p 426x240', '144p 256x144']);
    for (const r of rungs) expect((r.width % 2) + (r.height % 2)).toBe(0);
  });

  it('gives a source below 144p one rung at its own size', () => {
    expect(sizes(planLadder(sourceInfo({ width: 160, height: 90 }), 'standard'))).toEqual([
      '90p 160x90',
    ]);
    expect(sizes(planLadder(sourceInfo({ width: 175, height: 99 }), 'standard'))).toEqual([
      '98p 174x98',
    ]);
  });

  it('uses explicit rungs, filling in bitrates from the nearest preset rung', () => {
    const rungs = planLadder(sourceInfo(), [
      { height: 540, videoBitrateKbps: 2000 },
      { height: 360 },
    ]);
    expect(rungs.map((r) => [r.name, r.width, r.height, r.maxVideoKbps, r.audioKbps])).toEqual([
      ['540p', 960, 540, 2000, 96],
      ['360p', 640, 360, 800, 96],
    ]);
  });

  it('drops audio rates when the source has no audio', () => {
    expect(
      planLadder(sourceInfo({}, false), 'economy').every((r) => r.audioKbps === undefined),
    ).toBe(true);
  });
});
