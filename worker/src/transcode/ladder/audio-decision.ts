import { InvalidMediaError } from '../../base/errors.ts';
import type { AudioPolicy } from '../../contract/message.ts';
import type { SourceInfo } from '../source/source-info.ts';
import { withoutAudio } from '../source/source-checks.ts';

/**
 * What becomes of the source's audio: `encoded`; `none` (the source has no audio); `omitted`
 * (the request said none); `undecodable` (the source's audio could not be decoded, the outputs
 * go without it).
 */
export type AudioFate = 'encoded' | 'none' | 'omitted' | 'undecodable';

/** Whether the outputs carry the source's audio, by the job's policy; refuses what it must. */
export function audioDecision(
  probed: SourceInfo,
  policy: AudioPolicy,
): { audio: AudioFate; source: SourceInfo } {
  let audio: AudioFate = probed.audio ? 'encoded' : 'none';
  if (policy === 'none' && probed.audio) audio = 'omitted';
  if (!probed.audio && probed.undecodableAudio) audio = 'undecodable';
  if (policy === 'required' && audio !== 'encoded') {
    throw new InvalidMediaError(
      probed.undecodableAudio
        ? `${probed.undecodableAudio.reason}, and the job requires audio`
        : 'the source has no audio track, and the job requires audio',
    );
  }
  return { audio, source: audio === 'encoded' ? probed : withoutAudio(probed) };
}
