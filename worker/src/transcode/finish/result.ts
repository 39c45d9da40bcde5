import type { LoudnessMeasurement, LoudnessTarget } from '../encode/loudness.ts';
import type { AudioFate } from '../ladder/audio-decision.ts';
import type { OutputFile } from '../package/output-files.ts';
import type { AudioRenditionSummary, RenditionSummary } from '../package/rendition.ts';
import type { SubtitleOutcome } from '../package/subtitle-outputs.ts';
import type { SourceInfo } from '../source/source-info.ts';

/** What a transcode made, as the job record and the upload read it. */
export interface TranscodeResult {
  readonly source: SourceInfo;
  /** What became of the source's audio (ladder/audio-decision.ts). */
  readonly audio: AudioFate;
  /** What a person should know about the outputs (audio left out, ...). */
  readonly warnings: readonly string[];
  readonly renditions: readonly RenditionSummary[];
  readonly files: readonly OutputFile[];
  readonly masterPlaylist?: string;
  /** The DASH manifest over the same CMAF segments (beside the master playlist). */
  readonly dashManifest?: string;
  /** With HLS: the audio, once per bitrate, as renditions the rungs share. */
  readonly audioRenditions: readonly AudioRenditionSummary[];
  /** The subtitle and caption tracks published as WebVTT, and the ones left out with why. */
  readonly subtitles: SubtitleOutcome;
  /** The loudness target the audio was normalized to, and what the source measured. */
  readonly loudness?: Loudness;
  readonly poster: string;
  readonly thumbnails?: { readonly count: number; readonly index: string };
}

export type Loudness = LoudnessTarget & { readonly measured: LoudnessMeasurement };
