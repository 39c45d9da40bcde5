import { join } from 'node:path';
import { mark, pad } from '../format.ts';
import { benchPublish, type PublishResult } from '../publish.ts';
import { benchSources } from '../sources.ts';
import { planChunks } from '../../../worker/src/transcode/split/chunks.ts';
import { firstPlay, type FirstPlay, type PlannedChunk } from './first-play.ts';

/** What the publish section reports: the measured plan and a 60-minute extrapolation. */
export type PublishReport = PublishResult & {
  readonly hour: { single: number; pods64: number; speedup: number };
  /** Time to first play (sections/first-play.ts), by pods: this source and an hour of it. */
  readonly firstPlay: {
    readonly source: readonly ({ readonly pods: number } & FirstPlay)[];
    readonly hour: readonly ({ readonly pods: number } & FirstPlay)[];
    /** A single Job's wall time (its outputs complete). */
    readonly singleJob: number;
    /** A single Job: when its every track had its first segment (it publishes then). */
    readonly singleJobFirstPlay: number;
  };
};

/**
 * Time to publish (`--only publish`): one Job against the chunked plan (split, encode in
 * parallel, stitch) on a 5-minute source (12 s at 360p with --smoke), each part measured here
 * and N pods simulated from them; printed, and returned for the JSON.
 */
export async function publishSection(options: {
  readonly dir: string;
  readonly smoke: boolean;
}): Promise<PublishReport> {
  const { dir, smoke } = options;
  const publishSeconds = smoke ? 12 : 300;
  const chunkSeconds = smoke ? 4 : 60;
  const height = smoke ? 360 : 1080;
  const [source] = await benchSources(dir, publishSeconds, ['camera'], height);
  console.log(
    `\nTime to publish: ${source!.name} ${publishSeconds} s ${height}p30, the standard ladder (HLS + MP4, audio, poster, thumbnails):`,
  );
  console.log(
    `  one Job against ${chunkSeconds} s chunks, each part measured here; N pods simulated from the measured parts`,
  );
  console.log(
    '  (probe and cut + the busiest pod + the stitch); target: total CPU <= 1.05x the single Job',
  );
  const firstChunkSeconds = smoke ? 4 : 8;
  const r = await benchPublish(source!, {
    workDir: join(dir, 'work'),
    chunkSeconds,
    firstChunkSeconds,
    pods: [4, 16, 64],
  });
  const walls = r.chunks.map((c) => c.wallSeconds);
  console.log(pad(['', 'wall s', 'CPU s']));
  console.log(pad(['one Job', r.single.wallSeconds.toFixed(1), r.single.cpuSeconds.toFixed(1)]));
  console.log(pad(['probe', r.probe.wallSeconds.toFixed(2), r.probe.cpuSeconds.toFixed(2)]));
  console.log(
    pad([
      `cut ${r.chunks.length} pieces`,
      r.cut.wallSeconds.toFixed(2),
      r.cut.cpuSeconds.toFixed(2),
      `${(r.pieceShare * 100).toFixed(0)}% of the source's bytes, together`,
    ]),
  );
  console.log(
    pad([
      'cut the audio',
      r.audioCut.wallSeconds.toFixed(2),
      r.audioCut.cpuSeconds.toFixed(2),
      `${(r.audioShare * 100).toFixed(1)}% of the source's bytes; checked by decoding both`,
    ]),
  );
  console.log(
    pad([
      `${r.chunks.length} chunks`,
      `${Math.min(...walls).toFixed(1)}-${Math.max(...walls).toFixed(1)} each`,
      r.chunks.reduce((t, c) => t + c.cpuSeconds, 0).toFixed(1),
    ]),
  );
  console.log(
    pad(['audio (its piece)', r.audio.wallSeconds.toFixed(1), r.audio.cpuSeconds.toFixed(1)]),
  );
  console.log(pad(['stitch', r.stitch.wallSeconds.toFixed(1), r.stitch.cpuSeconds.toFixed(1)]));
  console.log(`  chunked CPU / one Job: ${mark(r.cpuRatio, 1.05, (x) => `${x.toFixed(3)}x`)}`);
  console.log(pad(['pods', 'to publish s', 'sooner']));
  for (const p of r.pods) {
    console.log(pad([String(p.n), p.wallSeconds.toFixed(1), `${p.speedup.toFixed(1)}x`]));
  }
  // A 60-minute source of the same kind: 60 one-minute chunks on 64 pods, each as long as the
  // slowest measured; the audio and the stitch grow with the duration.
  const scale = 3600 / publishSeconds;
  const hourSingle = r.single.wallSeconds * scale;
  const hourPods =
    r.probe.wallSeconds +
    (r.cut.wallSeconds + r.audioCut.wallSeconds) * scale +
    Math.max(Math.max(...walls) * (60 / r.chunkSeconds), r.audio.wallSeconds * scale) +
    r.stitch.wallSeconds * scale;
  const firstPlays = timeToFirstPlay(r, { publishSeconds, chunkSeconds, firstChunkSeconds });
  const publish = {
    ...r,
    hour: { single: hourSingle, pods64: hourPods, speedup: hourSingle / hourPods },
    firstPlay: firstPlays,
  };
  console.log(
    `  60 min of this source, extrapolated: one Job ${(hourSingle / 60).toFixed(1)} min; 64 pods ${(hourPods / 60).toFixed(1)} min: ${(hourSingle / hourPods).toFixed(1)}x sooner ${hourSingle / hourPods >= 15 ? 'ok' : 'MISS'} (goal >= 15x)`,
  );
  return publish;
}

/**
 * Time to first play, from the measured parts: the planner (probe and cuts), the audio and each
 * chunk's Job, the chunks ramping up from a short first one; queued as the job sends them and
 * spread over N pods; for this source and for an hour of it (the planner's cuts and the audio
 * scaled with the duration, each chunk as long as its measured twin or at the longest measured
 * chunk's pace). Printed beside a single Job, which publishes only when it ends.
 */
export function timeToFirstPlay(
  r: PublishResult,
  o: { publishSeconds: number; chunkSeconds: number; firstChunkSeconds: number },
): PublishReport['firstPlay'] {
  const measured: PlannedChunk[] = r.windows.map((w, i) => ({
    ...w,
    wallSeconds: r.chunks[i]!.wallSeconds,
  }));
  const pace = Math.max(...measured.map((c) => c.wallSeconds / c.lengthSeconds));
  const scale = 3600 / o.publishSeconds;
  const hourPlan = planChunks({
    durationSeconds: 3600,
    frameRate: '30',
    frameStep: 1,
    segmentSeconds: 4,
    settings: {
      thresholdSeconds: 0,
      chunkSeconds: o.chunkSeconds,
      firstChunkSeconds: o.firstChunkSeconds,
    },
  })!;
  const hourChunks: PlannedChunk[] = hourPlan.chunks.map((w, i) => {
    const lengthSeconds = (w.endSeconds ?? 3600) - w.startSeconds;
    const twin = measured[i];
    return {
      startSeconds: w.startSeconds,
      lengthSeconds,
      wallSeconds:
        twin && twin.lengthSeconds === lengthSeconds ? twin.wallSeconds : pace * lengthSeconds,
    };
  });
  // The planner sends the first chunk's task once its piece is cut, the audio's once the audio's
  // is, then each next chunk's as its piece is (job/split.ts); the audio publishes as it
  // encodes. The cuts after the first take their share of the measured time by length.
  const plannerAt = (chunks: readonly PlannedChunk[], k: number) => {
    const first = r.probe.wallSeconds + r.firstCut.wallSeconds;
    const audio = first + r.audioCut.wallSeconds * k;
    const perSecond =
      (r.cut.wallSeconds - r.firstCut.wallSeconds) /
      (o.publishSeconds - (r.windows[0]?.lengthSeconds ?? 0));
    let at = audio;
    return {
      audio,
      chunks: chunks.map((c, i) => (i === 0 ? first : (at += perSecond * c.lengthSeconds))),
    };
  };
  const audioRun = (k: number) => ({
    wallSeconds: r.audio.wallSeconds * k,
    firstSeconds: r.audioFirstListedSeconds,
    pace: r.audio.wallSeconds / o.publishSeconds,
  });
  const hourPlanner = plannerAt(hourChunks, scale);
  const source = [4, 16, 64].map((pods) => ({
    pods,
    ...firstPlay({ planner: plannerAt(measured, 1), audio: audioRun(1), chunks: measured, pods }),
  }));
  const hour = [16, 32, 64].map((pods) => ({
    pods,
    ...firstPlay({ planner: hourPlanner, audio: audioRun(scale), chunks: hourChunks, pods }),
  }));
  console.log(
    `  time to first play (chunks ${measured.map((c) => c.lengthSeconds).join(', ')} s; each task sent once its piece is cut, the first chunk's, the audio's, then the others'; the audio published as it encodes):`,
  );
  console.log(pad(['', 'pods', 'first play s', 'all listed s', 'stall s', 'no-stall start s']));
  const row = (what: string, f: { pods: number } & FirstPlay) =>
    console.log(
      pad([
        what,
        String(f.pods),
        f.firstPlaySeconds.toFixed(1),
        f.allListedSeconds.toFixed(1),
        f.stallSeconds.toFixed(1),
        f.noStallStartSeconds.toFixed(1),
      ]),
    );
  for (const f of source) row(`${o.publishSeconds} s source`, f);
  for (const f of hour) row('60 min, extrapolated', f);
  const best = Math.min(...hour.filter((f) => f.pods >= 32).map((f) => f.firstPlaySeconds));
  // What the planner's download of the whole source would add for an hour, at 100 MB/s.
  const hourDownload = (r.sourceBytes * scale) / 100e6;
  console.log(
    `  60 min on 32-64 pods playable after ${best.toFixed(0)} s: ${mark(best, 60, (x) => `${x.toFixed(0)} s`)} (goal < 60 s; the probe and the first chunk's cut ${hourPlanner.chunks[0]!.toFixed(1)} s of it; not counted: the planner downloads the whole source before it probes, ${hourDownload.toFixed(0)} s for an hour of this source at 100 MB/s)`,
  );
  console.log(
    `  a ${o.publishSeconds} s source as one Job: playable after ${r.singleFirstListedSeconds.toFixed(1)} s, when every track has its first segment (it publishes while ffmpeg runs): ${mark(r.singleFirstListedSeconds, 20, (x) => `${x.toFixed(1)} s`)} (goal < 20 s); done after ${r.single.wallSeconds.toFixed(0)} s`,
  );
  console.log(
    "  left out: pod start and image pull, S3 transfers (the source download, pieces, segments), the publisher's few small writes",
  );
  return {
    source,
    hour,
    singleJob: r.single.wallSeconds,
    singleJobFirstPlay: r.singleFirstListedSeconds,
  };
}
