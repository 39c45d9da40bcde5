import { cpSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pieceCut, planChunks, posterInChunk } from '../../worker/src/transcode/split/chunks.ts';
import { buildAudioInvocation } from '../../worker/src/transcode/encode/audio.ts';
import { buildLadderInvocation } from '../../worker/src/transcode/encode/ladder-run.ts';
import { DEFAULT_ENCODER, ladderEncoding } from './encoder.ts';
import {
  buildPieceInvocation,
  pieceExtension,
} from '../../worker/src/transcode/split/piece-invocations.ts';
import { buildSpriteInvocation } from '../../worker/src/transcode/encode/images.ts';
import { buildStitchInvocation, concatList } from '../../worker/src/transcode/encode/stitch.ts';
import { fpsExpression } from '../../worker/src/transcode/ffmpeg/expressions.ts';
import { ladderAudioRates } from '../../worker/src/transcode/ladder/plan.ts';
import { toArgv, type FfmpegInvocation } from '../../worker/src/transcode/ffmpeg/invocation.ts';
import { runFfprobe } from '../../worker/src/transcode/ffmpeg/ffprobe.ts';
import { planLadder } from '../../worker/src/transcode/ladder/ladder.ts';
import { layout } from '../../worker/src/transcode/ladder/layout.ts';
import { acceptAudioPiece, audioPieceRuns } from '../../worker/src/transcode/split/audio-piece.ts';
import { checkPiece, sourceFacts, sourceTiming } from '../../worker/src/transcode/split/pieces.ts';
import { interpretProbe } from '../../worker/src/transcode/source/probe.ts';
import { posterTime } from '../../worker/src/transcode/source/source-checks.ts';
import {
  trackReader,
  watchTracks,
  type RunTracks,
} from '../../worker/src/transcode/progressive/watch.ts';
import { measure, type Cost } from './measure.ts';
import type { BenchSource } from './sources.ts';

const PATHS = { ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe' };
const SEGMENT_SECONDS = 4;
const THUMBNAILS = { intervalSeconds: 10, width: 160, columns: 5, rows: 5 };

export interface PublishResult {
  readonly source: string;
  readonly seconds: number;
  readonly sourceBytes: number;
  readonly chunkSeconds: number;
  /** One Job: the single-decode ladder (HLS + MP4, audio, poster, thumbnails) in one ffmpeg. */
  readonly single: Cost;
  /** From the single Job's ffmpeg start until every track's first segment was listed. */
  readonly singleFirstListedSeconds: number;
  /** The chunked plan's parts, each as one Job would run it. */
  readonly probe: Cost;
  /** The planner's stream copies of each chunk's piece of the source, one after another. */
  readonly cut: Cost;
  /** Of which the first chunk's (its task is sent at once). */
  readonly firstCut: Cost;
  /** The pieces' bytes over the source's (what the chunks' Jobs download, together). */
  readonly pieceShare: number;
  /** The planner's copy of the audio track, and its check (both decoded and hashed). */
  readonly audioCut: Cost;
  /** The audio's piece's bytes over the source's (what the audio's Job downloads). */
  readonly audioShare: number;
  readonly chunks: readonly Cost[];
  /** Each chunk's part of the source (the plan ramps up from a short first chunk). */
  readonly windows: readonly { readonly startSeconds: number; readonly lengthSeconds: number }[];
  readonly audio: Cost;
  /** From the audio's ffmpeg start until its first segments were listed. */
  readonly audioFirstListedSeconds: number;
  /** Every rung's stream-copy join and the sprite sheets, one after another. */
  readonly stitch: Cost;
  /** All parts' CPU over the single Job's. */
  readonly cpuRatio: number;
  /** N pods: the probe and cut, then the chunks and the audio spread over them, then the stitch. */
  readonly pods: readonly {
    readonly n: number;
    readonly wallSeconds: number;
    readonly speedup: number;
  }[];
}

/**
 * Time to publish one long source: one Job against the chunked plan, both measured on this
 * machine. The chunks run one after another here; N pods are simulated by spreading the
 * measured chunk (and audio) times over N workers, longest first, so the critical path is the
 * probe + the busiest pod + the stitch, each a measured figure. What it leaves out (pod start,
 * image pull, S3 transfers) the README states.
 */
export async function benchPublish(
  source: BenchSource,
  options: {
    workDir: string;
    chunkSeconds: number;
    firstChunkSeconds: number;
    pods: readonly number[];
  },
): Promise<PublishResult> {
  const work = join(options.workDir, 'publish', source.name);
  rmSync(work, { recursive: true, force: true });
  const probe = await measure('ffprobe', [
    '-v',
    'error',
    '-show_format',
    '-show_streams',
    source.path,
  ]);
  const info = interpretProbe(await runFfprobe(PATHS, source.path));
  const rungs = planLadder(info, 'standard');
  const base = {
    sourcePath: source.path,
    rungs,
    formats: ['hls', 'mp4'] as const,
    segmentSeconds: SEGMENT_SECONDS,
    ...ladderEncoding(DEFAULT_ENCODER),
  };
  const run = async (inv: FfmpegInvocation) => {
    for (const d of inv.directories) mkdirSync(join(inv.cwd, d), { recursive: true });
    return measure('ffmpeg', toArgv(inv), { cwd: inv.cwd });
  };
  // A run whose HLS is watched as the worker watches it (progressive/watch.ts): when every
  // track first had a segment listed, which is when the worker publishes.
  const runWatched = async (inv: FfmpegInvocation, tracks: RunTracks) => {
    const started = performance.now();
    let firstListed: number | undefined;
    const watch = watchTracks({
      read: trackReader(base.encoders, inv.cwd, tracks),
      onTracks: () => {
        firstListed ??= (performance.now() - started) / 1000;
        return Promise.resolve();
      },
      onError: () => undefined,
      intervalMs: 100,
    });
    try {
      const cost = await run(inv);
      return { cost, firstListed: firstListed ?? cost.wallSeconds };
    } finally {
      await watch.stop();
    }
  };
  const channels = Math.min(2, info.audio?.channels ?? 2);
  const audioTracks = ladderAudioRates(rungs, info).map((kbps) => ({ kbps, channels }));

  const watchedSingle = await runWatched(
    buildLadderInvocation({
      ...base,
      source: info,
      posterAtSeconds: posterTime(info),
      thumbnails: THUMBNAILS,
      cwd: join(work, 'single'),
    }),
    { rungs, audio: audioTracks },
  );
  const single = watchedSingle.cost;
  rmSync(join(work, 'single'), { recursive: true, force: true });

  const plan = planChunks({
    durationSeconds: info.video.durationSeconds,
    frameRate: fpsExpression(info.video.frameRate),
    frameStep: Math.max(...rungs.map((r) => r.frameStep)),
    segmentSeconds: SEGMENT_SECONDS,
    settings: {
      thresholdSeconds: 0,
      chunkSeconds: options.chunkSeconds,
      firstChunkSeconds: options.firstChunkSeconds,
    },
  });
  if (!plan) throw new Error(`${source.name}: too short to cut into chunks`);
  const { audio: _audio, ...silent } = info;
  // The planner cuts each chunk's piece; each chunk reads its piece, as in a split job.
  const signal = new AbortController().signal;
  const timing = await sourceTiming(PATHS, source.path, info.video.index, signal);
  const piecesDir = join(work, 'pieces');
  let cut: Cost = { wallSeconds: 0, cpuSeconds: 0 };
  let firstCut: Cost | undefined;
  let pieceBytes = 0;
  const chunkDirs: string[] = [];
  const chunks: Cost[] = [];
  for (const window of plan.chunks) {
    const target = `chunk-${window.index}.${pieceExtension(info)}`;
    const pieceCost = await run(
      buildPieceInvocation({
        sourcePath: source.path,
        source: info,
        cut: pieceCut(window),
        ...(timing.timescale ? { timescale: timing.timescale } : {}),
        cwd: piecesDir,
        target,
      }),
    );
    firstCut ??= pieceCost;
    cut = add(cut, pieceCost);
    const piecePath = join(piecesDir, target);
    const seek = await checkPiece(
      PATHS,
      piecePath,
      window,
      sourceFacts(info, timing.startSeconds),
      signal,
    );
    if (!seek.ok) throw new Error(`${source.name}: chunk ${window.index}: ${seek.reason}`);
    pieceBytes += statSync(piecePath).size;
    const cwd = join(work, `chunk-${window.index}`);
    chunkDirs.push(cwd);
    chunks.push(
      await run(
        buildLadderInvocation({
          ...base,
          sourcePath: piecePath,
          source: { ...silent, video: { ...silent.video, index: 0 } },
          pieceSeekSeconds: seek.seekSeconds,
          posterAtSeconds: posterInChunk(window, posterTime(info) - info.video.startSeconds),
          thumbnails: THUMBNAILS,
          window,
          cwd,
        }),
      ),
    );
  }
  // The audio's piece (its track alone, checked to decode as the source's), and the audio
  // encoded from it, as the audio's Job does.
  const audioTiming = await sourceTiming(PATHS, source.path, info.audio!.index, signal);
  const audioRuns = audioPieceRuns(source.path, info, audioTiming, piecesDir);
  let audioCut: Cost = { wallSeconds: 0, cpuSeconds: 0 };
  for (const inv of audioRuns.invocations) audioCut = add(audioCut, await run(inv));
  const audioPiece = await acceptAudioPiece(
    PATHS,
    piecesDir,
    audioRuns.file,
    audioTiming.startSeconds,
    signal,
  );
  if (!('file' in audioPiece)) throw new Error(`${source.name}: audio: ${audioPiece.reason}`);
  const audioDir = join(work, 'audio');
  const rates = ladderAudioRates(rungs, info);
  const watchedAudio = await runWatched(
    buildAudioInvocation({
      ...base,
      sourcePath: join(piecesDir, audioPiece.file),
      source: { ...info, audio: { ...info.audio!, index: 0 } },
      offsetSeconds: audioPiece.offsetSeconds,
      rates,
      cwd: audioDir,
    }),
    { rungs: [], audio: audioTracks },
  );
  const audio = watchedAudio.cost;

  const out = join(work, 'out');
  mkdirSync(join(out, layout.chunkDir), { recursive: true });
  let stitch: Cost = { wallSeconds: 0, cpuSeconds: 0 };
  for (const rung of rungs) {
    const list = `${layout.chunkDir}/${rung.name}.txt`;
    writeFileSync(
      join(out, list),
      concatList(chunkDirs.map((d) => join(d, layout.chunkVideo(rung.name)))),
    );
    stitch = add(
      stitch,
      await run(
        buildStitchInvocation({
          list,
          rung,
          audio: join(audioDir, layout.chunkAudio(rung.audioKbps!)),
          cwd: out,
        }),
      ),
    );
  }
  // The chunks' thumbnails, gathered as the assembler gathers them (not timed: a file copy).
  for (const d of chunkDirs)
    cpSync(join(d, 'thumbnails'), join(out, 'thumbnails'), { recursive: true });
  stitch = add(stitch, await run(buildSpriteInvocation({ thumbnails: THUMBNAILS, cwd: out })));
  rmSync(work, { recursive: true, force: true });

  const cpu = [probe, cut, audioCut, ...chunks, audio, stitch].reduce(
    (sum, c) => sum + c.cpuSeconds,
    0,
  );
  return {
    source: source.name,
    seconds: source.seconds,
    sourceBytes: statSync(source.path).size,
    chunkSeconds: plan.chunkSeconds,
    single,
    singleFirstListedSeconds: watchedSingle.firstListed,
    probe,
    cut,
    firstCut: firstCut ?? cut,
    audioCut,
    pieceShare: pieceBytes / statSync(source.path).size,
    audioShare: audioPiece.bytes / statSync(source.path).size,
    chunks,
    windows: plan.chunks.map((w) => ({
      startSeconds: w.startSeconds,
      lengthSeconds: (w.endSeconds ?? info.video.durationSeconds) - w.startSeconds,
    })),
    audio,
    audioFirstListedSeconds: watchedAudio.firstListed,
    stitch,
    cpuRatio: cpu / single.cpuSeconds,
    pods: options.pods.map((n) => {
      const wallSeconds =
        probe.wallSeconds +
        cut.wallSeconds +
        audioCut.wallSeconds +
        busiestPod(
          [...chunks, audio].map((c) => c.wallSeconds),
          n,
        ) +
        stitch.wallSeconds;
      return { n, wallSeconds, speedup: single.wallSeconds / wallSeconds };
    }),
  };
}

function add(a: Cost, b: Cost): Cost {
  return { wallSeconds: a.wallSeconds + b.wallSeconds, cpuSeconds: a.cpuSeconds + b.cpuSeconds };
}

/**
 * The longest a pod is busy when tasks of these durations go to n pods, longest first, each to
 * the pod free soonest (how KEDA's Jobs drain a queue when there are more chunks than pods).
 */

export function busiestPod(durations: readonly number[], n: number): number {
  const pods = Array.from({ length: Math.max(1, n) }, () => 0);
  for (const d of [...durations].sort((a, b) => b - a)) {
    const i = pods.indexOf(Math.min(...pods));
    pods[i]! += d;
  }
  return Math.max(...pods);
}
