import { describe, expect, it } from 'vitest';
import { decideFrameRate, measureFromPackets } from './frame-rate.ts';

const at = (n: number, fps: number, roundMs = false) =>
  Array.from({ length: n }, (_, i) => (roundMs ? Math.round((i / fps) * 1000) / 1000 : i / fps));

describe('measureFromPackets', () => {
  it.each([
    [30, true, 30],
    [60, true, 60],
    [25, true, 25],
    [30000 / 1001, false, 30000 / 1001],
    [24000 / 1001, true, 24000 / 1001],
    [12.5, false, 12.5],
  ])(
    'measures %d fps (ms timestamps: %s) and snaps it to the common rate',
    (fps, roundMs, expected) => {
      expect(measureFromPackets(at(120, fps, roundMs))?.fps).toBeCloseTo(expected, 9);
    },
  );

  it('keeps an uncommon rate as measured', () => {
    expect(measureFromPackets(at(60, 14.2857))?.fps).toBeCloseTo(14.2857, 3);
  });

  it('needs a few intervals to say anything', () => {
    expect(measureFromPackets([0, 0.04, 0.08])).toBeUndefined();
    expect(measureFromPackets([0, 0, 0, 0, 0, 0])).toBeUndefined();
  });
});

describe('decideFrameRate', () => {
  it("takes the container's word when there is nothing to measure", () => {
    expect(decideFrameRate({ average: 25, real: 50, packetTimes: [] })).toEqual({
      fps: 25,
      source: 'container',
      variable: false,
    });
  });

  it("takes the base rate when only the average is wrong (FLV's 1000/1)", () => {
    const decision = decideFrameRate({ average: 1000, real: 60, packetTimes: at(120, 60, true) });
    expect(decision).toMatchObject({ fps: 60, source: 'container' });
    expect(decision.note).toMatch(/container's average, 1000 fps, disagrees/);
  });

  it('measures when neither container figure agrees with the packets', () => {
    const decision = decideFrameRate({ average: 1000, real: 60, packetTimes: at(120, 30, true) });
    expect(decision).toMatchObject({ fps: 30, source: 'packets', variable: false });
  });
});
