import { InvalidMediaError, MissingDecoderError } from '../base/errors.ts';
import { buildLadderInvocation } from './encode/ladder-run.ts';
import { percentDone } from './ffmpeg/progress.ts';
import { runFfmpeg } from './ffmpeg/run.ts';
import { emptyDirectory } from './files/local-files.ts';
import { finishContext } from './finish/context.ts';
import { finishOutputs } from './finish/finish.ts';
import type { TranscodeResult } from './finish/result.ts';
import type { TranscodeEnv, TranscodeInput } from './inputs.ts';
import { audioDecision } from './ladder/audio-decision.ts';
import type { PlannedRung } from './ladder/ladder.ts';
import { ladderAudioRates, planOutputs } from './ladder/plan.ts';
import { trackReader, watchTracks } from './progressive/watch.ts';
import { loudnessPass } from './loudness-pass.ts';
import { readSource } from './source/read-source.ts';
import type { SourceInfo } from './source/source-info.ts';
import { posterTime, withoutAudio } from './source/source-checks.ts';

/**
 * A source transcoded by one Job: probed (unless the caller did), its loudness measured when
 * asked, the whole ladder written by one ffmpeg, then finished (finish/). A decoder this ffmpeg
 * lacks for the audio shows only when ffmpeg opens it: the ladder is run again without audio,
 * unless the job requires audio.
 */
export async function transcodeOnce(
  env: TranscodeEnv,
  input: TranscodeInput,
): Promise<TranscodeResult> {
  const probed =
    input.probed ?? (await readSource(env.paths, env.limits, input.sourcePath, input.signal));
  const policy = input.request.audio ?? 'auto';
  const warnings: string[] = [];
  let { audio, source } = audioDecision(probed, policy);
  const loudness = await loudnessPass(env.paths, input, source, warnings);
  try {
    await runLadder(env, input, source, loudness?.filter);
  } catch (err) {
    if (!(err instanceof MissingDecoderError) || err.stream !== source.audio?.index) throw err;
    if (policy === 'required') {
      throw new InvalidMediaError(`${err.message}, and the job requires audio`, { cause: err });
    }
    audio = 'undecodable';
    source = withoutAudio(probed);
    await emptyDirectory(input.outDir);
    await runLadder(env, input, source);
  }
  const normalized = audio === 'encoded' ? loudness?.result : undefined;
  return finishOutputs(
    finishContext({
      paths: env.paths,
      encoders: env.encoders,
      segmentSeconds: env.segmentSeconds,
      outDir: input.outDir,
      request: input.request,
      signal: input.signal,
      sourcePath: () => Promise.resolve(input.sourcePath),
      probed,
      source,
      audio,
      warnings,
      ...(normalized ? { normalized } : {}),
    }),
  );
}

/** The one ffmpeg run that makes the ladder, the poster and the thumbnails, with its progress. */
async function runLadder(
  env: TranscodeEnv,
  input: TranscodeInput,
  source: SourceInfo,
  loudnessFilter?: string,
): Promise<void> {
  const { rungs, thumbnails } = planOutputs(input.request, source);
  const inv = buildLadderInvocation({
    sourcePath: input.sourcePath,
    source,
    rungs,
    formats: input.request.formats,
    segmentSeconds: env.segmentSeconds,
    encoders: env.encoders,
    scaler: env.scaler,
    posterAtSeconds: posterTime(source),
    thumbnails,
    keepCaptions: input.request.subtitles !== 'none',
    ...(loudnessFilter ? { loudnessFilter } : {}),
    cwd: input.outDir,
  });
  const onProgress = input.onProgress;
  const names = rungs.map((r) => r.name);
  onProgress?.({ percent: 0, rungs: names });
  const watch = watchRun(env, input, source, rungs);
  try {
    await runFfmpeg(env.paths, inv, {
      signal: input.signal,
      ...(onProgress
        ? {
            onProgress: (p) =>
              onProgress({
                percent: percentDone(p, source.durationSeconds),
                ...(p.speed !== undefined ? { speed: p.speed } : {}),
                rungs: names,
              }),
          }
        : {}),
    });
  } finally {
    await watch?.stop();
  }
}

/** Its segments handed to `onTracks` while the ladder runs, when the caller publishes them. */
function watchRun(
  env: TranscodeEnv,
  input: TranscodeInput,
  source: SourceInfo,
  rungs: readonly PlannedRung[],
): { stop(): Promise<void> } | undefined {
  const { onTracks } = input;
  if (!onTracks || !input.request.formats.includes('hls')) return undefined;
  const channels = Math.min(2, source.audio?.channels ?? 2);
  return watchTracks({
    read: trackReader(env.encoders, input.outDir, {
      rungs,
      audio: ladderAudioRates(rungs, source).map((kbps) => ({ kbps, channels })),
      ...(source.audio?.language ? { audioLanguage: source.audio.language } : {}),
    }),
    onTracks,
    onError: input.onWatchError ?? (() => undefined),
  });
}
