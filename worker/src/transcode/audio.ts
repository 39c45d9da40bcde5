import { InvalidMediaError, MissingDecoderError } from '../base/errors.ts';
import { buildAudioInvocation } from './encode/audio.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import { emptyDirectory } from './files/local-files.ts';
import type { Loudness } from './finish/result.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { layout } from './ladder/layout.ts';
import { audioDecision, type AudioFate } from './ladder/audio-decision.ts';
import { ladderAudioRates, planOutputs } from './ladder/plan.ts';
import { loudnessPass } from './loudness-pass.ts';
import { readPublishedTrack, type PublishedAudio } from './progressive/tracks.ts';
import { trackReader, watchTracks } from './progressive/watch.ts';
import type { SourceInfo } from './source/source-info.ts';
import type { AudioPiece } from './split/audio-piece.ts';

/** What became of a chunked source's audio (encodeAudio). */
export interface AudioOutcome {
  readonly audio: AudioFate;
  readonly warnings: readonly string[];
  readonly loudness?: Loudness;
  /** With HLS: the audio renditions' tracks, published as they are (progressive.ts). */
  readonly hls?: readonly PublishedAudio[];
  readonly language?: string;
}

export interface AudioInput extends Omit<TranscodeInput, 'sourcePath'> {
  /** Called only when there is audio to encode; with `piece` it gives the audio's piece. */
  readonly sourcePath: () => Promise<string>;
  readonly probed: SourceInfo;
  /** `sourcePath` is the audio's piece (split/audio-piece.ts), read from here. */
  readonly piece?: Pick<AudioPiece, 'offsetSeconds'>;
}

/**
 * The audio of a chunked source, once for its whole duration (no AAC priming gap at a chunk
 * boundary), loudness-normalized when asked: the HLS audio renditions and the M4As the
 * stitch muxes into the MP4s, in `outDir`. Says what became of the audio.
 */
export async function encodeAudio(env: TranscodeEnv, input: AudioInput): Promise<AudioOutcome> {
  const policy = input.request.audio ?? 'auto';
  const warnings: string[] = [];
  const decision = audioDecision(input.probed, policy);
  if (decision.audio !== 'encoded') return { audio: decision.audio, warnings };
  const { rungs } = planOutputs(input.request, decision.source);
  const { piece } = input;
  const read = { ...input, sourcePath: await input.sourcePath() };
  // A piece holds the audio alone.
  const source =
    piece && decision.source.audio
      ? { ...decision.source, audio: { ...decision.source.audio, index: 0 } }
      : decision.source;
  const loudness = await loudnessPass(env.paths, read, source, warnings);
  const rates = ladderAudioRates(rungs, source);
  const channels = Math.min(2, source.audio?.channels ?? 2);
  const language = source.audio?.language;
  const watch =
    input.onTracks && input.request.formats.includes('hls')
      ? watchTracks({
          read: trackReader(env.encoders, input.outDir, {
            rungs: [],
            audio: rates.map((kbps) => ({ kbps, channels })),
            ...(language ? { audioLanguage: language } : {}),
          }),
          onTracks: input.onTracks,
          onError: input.onWatchError ?? (() => undefined),
        })
      : undefined;
  try {
    await runFfmpeg(
      env.paths,
      buildAudioInvocation({
        sourcePath: read.sourcePath,
        source,
        rates,
        formats: input.request.formats,
        segmentSeconds: env.segmentSeconds,
        ...(loudness ? { loudnessFilter: loudness.filter } : {}),
        ...(piece ? { offsetSeconds: piece.offsetSeconds } : {}),
        cwd: input.outDir,
      }),
      { signal: input.signal },
    );
  } catch (err) {
    if (!(err instanceof MissingDecoderError)) throw err;
    if (policy === 'required') {
      throw new InvalidMediaError(`${err.message}, and the job requires audio`, { cause: err });
    }
    await emptyDirectory(input.outDir);
    return { audio: 'undecodable', warnings };
  } finally {
    await watch?.stop();
  }
  const hls = input.request.formats.includes('hls')
    ? await Promise.all(
        rates.map(async (kbps) => ({
          ...(await readPublishedTrack(input.outDir, layout.audioRendition(kbps))),
          kbps,
          channels,
        })),
      )
    : undefined;
  return {
    audio: 'encoded',
    warnings,
    ...(loudness ? { loudness: loudness.result } : {}),
    ...(hls ? { hls } : {}),
    ...(language ? { language } : {}),
  };
}
