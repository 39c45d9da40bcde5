import { join } from 'node:path';
import { mark, pad } from '../format.ts';
import { benchPublish, type PublishResult } from '../publish.ts';
import { benchSources } from '../sources.ts';

/** What the publish section reports: the measured plan and a 60-minute extrapolation. */
export type PublishReport = PublishResult & {
  readonly hour: { single: number; pods64: number; speedup: number };
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
  const r = await benchPublish(source!, {
    workDir: join(dir, 'work'),
    chunkSeconds,
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
  const publish = {
    ...r,
    hour: { single: hourSingle, pods64: hourPods, speedup: hourSingle / hourPods },
  };
  console.log(
    `  60 min of this source, extrapolated: one Job ${(hourSingle / 60).toFixed(1)} min; 64 pods ${(hourPods / 60).toFixed(1)} min: ${(hourSingle / hourPods).toFixed(1)}x sooner ${hourSingle / hourPods >= 15 ? 'ok' : 'MISS'} (goal >= 15x)`,
  );
  return publish;
}
