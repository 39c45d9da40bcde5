import { describe, expect, it } from 'vitest';
import {
  fargateCostPerSourceMinute,
  fargateJobCost,
  fargatePodHourly,
  mediaConvertCostPerSourceMinute,
  PRICES,
} from './cost.ts';

const POD = { vcpu: 2, memoryGiB: 4, ephemeralGiB: 21 };

describe('cost arithmetic', () => {
  it('prices a Fargate pod by vCPU, memory and storage beyond the included 20 GB', () => {
    // 2 x 0.04048 + 4 x 0.004445 + 1 x 0.000111
    expect(fargatePodHourly(POD)).toBeCloseTo(0.098851, 6);
    expect(fargatePodHourly({ ...POD, ephemeralGiB: 10 })).toBeCloseTo(0.09874, 6);
  });

  it('spreads CPU seconds over the pod vCPUs at the measured efficiency', () => {
    const full = fargateCostPerSourceMinute(120, POD, 1);
    expect(full.podSeconds).toBe(60);
    expect(full.dollars).toBeCloseTo((60 / 3600) * 0.098851, 8);
    // Half the vCPUs idle: twice the pod time for the same CPU.
    expect(fargateCostPerSourceMinute(120, POD, 0.5).podSeconds).toBe(120);
    // More than full efficiency is measurement noise, not free capacity.
    expect(fargateCostPerSourceMinute(120, POD, 1.3).podSeconds).toBe(60);
    expect(() => fargateCostPerSourceMinute(120, POD, 0)).toThrow(/efficiency/);
  });

  it('bills a short job the one-minute minimum', () => {
    expect(fargateJobCost(5, POD)).toBeCloseTo(fargateJobCost(60, POD), 10);
    expect(fargateJobCost(120, POD)).toBeCloseTo(2 * fargateJobCost(60, POD), 10);
  });

  it("counts MediaConvert's outputs per rung and format, HD from 720 lines", () => {
    const ladder = [1080, 720, 480, 360, 240, 144];
    const both = mediaConvertCostPerSourceMinute(ladder, 2);
    expect(both).toEqual({ outputs: 12, hdOutputs: 4, dollars: expect.any(Number) as number });
    expect(both.dollars).toBeCloseTo(
      4 * PRICES.mediaConvert.basicHdPerOutputMinute +
        8 * PRICES.mediaConvert.basicSdPerOutputMinute,
      10,
    );
    expect(mediaConvertCostPerSourceMinute([360, 240, 144], 1).hdOutputs).toBe(0);
  });
});
