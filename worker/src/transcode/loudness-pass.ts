import { InterruptedError } from '../base/errors.ts';
import { loudnessAnalysisFilter, loudnessFilter, parseLoudnessReport } from './encode/loudness.ts';
import { measureLoudness } from './ffmpeg/analysis.ts';
import type { FfmpegPaths } from './ffmpeg/invocation.ts';
import type { Loudness } from './finish/result.ts';
import type { TranscodeInput } from './inputs.ts';
import type { SourceInfo } from './source/source-info.ts';

/**
 * The first loudness pass, when the job asks for a target and has audio: the filter of the
 * encode's second pass and what the record says. A silent track, or one the pass cannot read,
 * is left as it is, with a warning.
 */
export async function loudnessPass(
  paths: FfmpegPaths,
  input: Pick<TranscodeInput, 'request' | 'sourcePath' | 'signal'>,
  source: SourceInfo,
  warnings: string[],
): Promise<{ filter: string; result: Loudness } | undefined> {
  const target = input.request.loudness;
  if (!target || !source.audio) return undefined;
  let log: string;
  try {
    log = await measureLoudness(
      paths,
      input.sourcePath,
      source.audio.index,
      loudnessAnalysisFilter(target),
      input.signal,
    );
  } catch (err) {
    if (err instanceof InterruptedError || input.signal.aborted) throw err;
    warnings.push(`the audio's loudness could not be measured; it was not changed`);
    return undefined;
  }
  const measured = parseLoudnessReport(log);
  if (!measured) {
    warnings.push('the audio is silent: its loudness was not changed');
    return undefined;
  }
  return {
    filter: loudnessFilter(target, measured, source.audio.sampleRate),
    result: { ...target, measured },
  };
}
