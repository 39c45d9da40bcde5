import { describe, expect, it } from 'vitest';
import { loudnessAnalysisFilter, loudnessFilter, parseLoudnessReport } from './loudness.ts';

const target = { targetLufs: -16, truePeakDb: -1.5 };

/** loudnorm's first-pass log as ffmpeg 5.1 prints it. */
const REPORT = `[Parsed_loudnorm_0 @ 0x55d4] 
{
	"input_i" : "-33.52",
	"input_tp" : "-21.05",
	"input_lra" : "0.00",
	"input_thresh" : "-43.52",
	"output_i" : "-16.31",
	"output_tp" : "-3.56",
	"output_lra" : "0.00",
	"output_thresh" : "-26.31",
	"normalization_type" : "dynamic",
	"target_offset" : "0.31"
}
`;

describe('loudness', () => {
  it('measures first, then applies one linear gain from the measurement', () => {
    expect(loudnessAnalysisFilter(target)).toBe('loudnorm=I=-16:TP=-1.5:LRA=20:print_format=json');
    const measured = parseLoudnessReport(`size=N/A time=00:00:06.00\n${REPORT}`);
    expect(measured).toEqual({
      integratedLufs: -33.52,
      truePeakDb: -21.05,
      rangeLu: 0,
      thresholdLufs: -43.52,
      targetOffsetLu: 0.31,
    });
    expect(loudnessFilter(target, measured!, 48_000)).toBe(
      'loudnorm=I=-16:TP=-1.5:LRA=20:measured_I=-33.52:measured_TP=-21.05:measured_LRA=0:measured_thresh=-43.52:offset=0.31:linear=true,aresample=48000',
    );
  });

  it('has nothing to normalize in silence, nor in a log without a report', () => {
    expect(parseLoudnessReport(REPORT.replace('"-33.52"', '"-inf"'))).toBeUndefined();
    expect(parseLoudnessReport(REPORT.replace('"-33.52"', '"-80.00"'))).toBeUndefined();
    expect(parseLoudnessReport('no report')).toBeUndefined();
    expect(parseLoudnessReport('{ not json }')).toBeUndefined();
  });
});
