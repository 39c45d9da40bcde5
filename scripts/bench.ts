/**
 * `npm run bench`: speed and cost measured side by side in one run on this machine (ratios, not
 * absolute times, are what carry over to other machines).
 *
 *   npm run bench                 every section below
 *   npm run bench -- --smoke      a quick pass (CI, about 3.5 minutes): short sources, few runs
 *   npm run bench -- --sweep      add the x264 preset / scaler / threads sweep
 *   --only ladder,quality,codecs,publish,job,cold,stats  some sections (cost needs ladder)
 *   --runs N  --seconds S         ladder repetitions (median reported) and source length
 *   --real FILE                   the codecs section's real file (default: one of AndroidX
 *                                 Media's test videos in ../shared when present, else none)
 *
 * VMAF is measured with the ffmpeg `npm run bench:setup` puts in .local/vmaf/ (Debian's has no
 * libvmaf); without it, every section runs and says "VMAF: not measured". Nothing is downloaded here.
 *
 * Sections: the ladder (one ffmpeg per rung vs the single-decode ladder vs an encoder-only
 * floor, and the top rung's VMAF), the quality of every rung (PSNR-Y, SSIM-Y, VMAF) beside the ladder's CPU
 * on camera, screen, animation, 60 fps and HDR sources, the codecs (BD-rate by VMAF of HEVC and
 * AV1 against H.264, a preset sweep, each codec's whole-ladder CPU and memory), time to publish a 5-minute source by one
 * Job against the chunked plan (split, encode in parallel, stitch) for 4, 16 and 64 pods, a full worker job against the local stack (the worker's overhead beside ffmpeg), cold
 * start (to the first ReceiveMessage vs a bare `node -e 0`), the stats call with 10 jobs and with
 * 10,000, and the cost per source minute on Fargate beside MediaConvert. Prints tables and writes
 * the figures as JSON under bench-results/. Nothing here asserts a timing.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { codecSection, DEFAULT_REAL_FILE, type CodecReport } from './bench/codecs/codec-section.ts';
import { benchColdStart, bundleSdkFloor, type ColdStartResult } from './bench/cold-start.ts';
import { benchLadder, type LadderResult } from './bench/ladder.ts';
import { qualitySection } from './bench/quality/quality-section.ts';
import type { QualityResult } from './bench/quality/ladder-quality.ts';
import { findVmafFfmpeg, SETUP_COMMAND, vmafNotice } from './bench/quality/vmaf-setup.ts';
import { costSection, type CostReport } from './bench/sections/cost-section.ts';
import { publishSection, type PublishReport } from './bench/sections/publish-section.ts';
import { benchSources } from './bench/sources.ts';
import { benchStats, type StatsResult } from './bench/stats.ts';
import { sweepSection, type SweepPoint } from './bench/quality/x264-sweep.ts';
import { benchWorkerJob, type WorkerJobResult } from './bench/worker-job.ts';
import { startLocalStack, type LocalStack } from './local-stack/index.ts';
import { mark, pad, percent } from './bench/format.ts';

const SECTIONS = [
  'ladder',
  'quality',
  'codecs',
  'publish',
  'job',
  'cold',
  'stats',
  'cost',
] as const;
type Section = (typeof SECTIONS)[number];

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    only: { type: 'string' },
    runs: { type: 'string' },
    seconds: { type: 'string' },
    real: { type: 'string' },
  },
});
const smoke = values.smoke;
const runs = Number(values.runs ?? (smoke ? 1 : 3));
const seconds = Number(values.seconds ?? (smoke ? 2 : 10));
const only = new Set<Section>(
  values.only ? (values.only.split(',').map((x) => x.trim()) as Section[]) : SECTIONS,
);
for (const s of only) {
  if (!SECTIONS.includes(s))
    throw new Error(`--only: unknown section ${s} (${SECTIONS.join(', ')})`);
}
if (only.has('cost') && !only.has('ladder')) only.add('ladder');
const root = join(import.meta.dirname, '..');
const dir = join(root, '.local', 'bench');
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
  ffmpeg: execFileSync('ffmpeg', ['-hide_banner', '-version'], { encoding: 'utf8' }).split('\n')[0],
};
// The VMAF meter (npm run bench:setup); without it every section runs and says so.
const vmaf = await findVmafFfmpeg(root);

const started = Date.now();
const report: {
  machine: typeof machine;
  /** The ffmpeg that measured VMAF, or null when it was not set up. */
  vmaf: string | null;
  date: string;
  smoke: boolean;
  ladder: LadderResult[];
  quality: QualityResult[];
  codecs?: CodecReport;
  publish?: PublishReport;
  job?: WorkerJobResult;
  cold?: ColdStartResult;
  stats?: StatsResult;
  cost?: CostReport;
  sweep?: SweepPoint[];
} = {
  machine,
  vmaf: 'missing' in vmaf ? null : vmaf.version,
  date: new Date().toISOString(),
  smoke,
  ladder: [],
  quality: [],
};

console.log(
  `machine: ${machine.cpus} x ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.ffmpeg}`,
);
console.log(vmafNotice(vmaf));

// ---- the ladder ----
const sources = only.has('ladder')
  ? await benchSources(dir, seconds, smoke ? ['screen'] : undefined)
  : [];
if (only.has('ladder')) {
  console.log(
    `\nLadder: standard 1080p..144p, HLS + MP4, ${seconds} s 1080p30 sources, median of ${runs} run(s); ratios pair by pair`,
  );
  console.log(
    '  (a) one ffmpeg per rung   (b) single-decode ladder   (c) encoder-only floor: the same encodes',
  );
  console.log(
    '  from pre-decoded frames   (d) decoding the source once, alone: work no ladder avoids',
  );
  console.log('  targets: b/a <= 0.65 in CPU, b/c <= 1.2');
  console.log(
    `  top VMAF: (b)'s top rung against the source${'missing' in vmaf ? ` (not measured: run ${SETUP_COMMAND})` : ''}`,
  );
  console.log(
    pad([
      'source',
      'a CPU-s',
      'b CPU-s',
      'c CPU-s',
      'd CPU-s',
      'b/a CPU',
      'b/a wall',
      'best b/a',
      'b/c',
      'b/(c+d)',
      'b wall',
      'realtime',
      'top VMAF',
    ]),
  );
  for (const source of sources) {
    const r = await benchLadder(source, {
      workDir: join(dir, 'work'),
      runs,
      ...('missing' in vmaf ? {} : { vmaf }),
    });
    report.ladder.push(r);
    // What a perfect single-decode ladder would save against (a): the n-1 extra decodes.
    const best =
      (r.naive.cpuSeconds - (r.rungs.length - 1) * r.decode.cpuSeconds) / r.naive.cpuSeconds;
    console.log(
      pad([
        r.source,
        r.naive.cpuSeconds.toFixed(1),
        r.single.cpuSeconds.toFixed(1),
        r.floor.cpuSeconds.toFixed(1),
        r.decode.cpuSeconds.toFixed(1),
        mark(r.ratios.singleToNaiveCpu, 0.65),
        r.ratios.singleToNaiveWall.toFixed(2),
        best.toFixed(2),
        mark(r.ratios.singleToFloorCpu, 1.2),
        r.ratios.singleToFloorPlusDecodeCpu.toFixed(2),
        `${r.single.wallSeconds.toFixed(1)} s`,
        `${r.ratios.realtimeFactor.toFixed(2)}x`,
        r.topVmaf?.mean.toFixed(2) ?? '-',
      ]),
    );
  }
}

// ---- quality beside CPU ----
if (only.has('quality')) report.quality = await qualitySection({ dir, seconds, smoke, vmaf });

// ---- time to publish: one Job vs. the chunked plan ----
// ---- the codecs: bits per VMAF and CPU of H.264, HEVC and AV1 ----
if (only.has('codecs')) {
  report.codecs = await codecSection({
    dir,
    seconds,
    smoke,
    vmaf,
    real: resolve(root, values.real ?? DEFAULT_REAL_FILE),
  });
}

if (only.has('publish')) report.publish = await publishSection({ dir, smoke });

// ---- sections against the local stack ----
let stack: LocalStack | undefined;
if (only.has('job') || only.has('cold') || only.has('stats')) {
  stack = await startLocalStack({ stateDir: join(dir, 'stack') });
  // In-process clients (the stats section) use the SDK's default chain, as in a pod.
  process.env.AWS_ACCESS_KEY_ID ??= stack.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY ??= stack.credentials.secretAccessKey;
}
try {
  const app = join(dir, 'app');
  if (only.has('job') || only.has('cold')) {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-app.ts'), '--outdir', app], {
      cwd: root,
      stdio: 'ignore',
    });
  }

  if (only.has('job') && stack) {
    const jobSeconds = smoke ? 2 : 30;
    const [source] = await benchSources(dir, jobSeconds, [smoke ? 'screen' : 'camera']);
    const jobRuns = smoke ? 1 : 3;
    console.log(
      `\nWorker job: a full job against the local stack (receive, claim, download, probe, transcode,`,
    );
    console.log(
      `  upload, record, delete, exit), ${source!.name} ${jobSeconds} s 1080p30, the bundled worker, median of ${jobRuns}`,
    );
    console.log('  overhead = (job - ffmpeg) / job, pair by pair; target <= 3% of wall time');
    const r = await benchWorkerJob(stack, source!, {
      runs: jobRuns,
      workDir: join(dir, 'job'),
      entry: join(app, 'worker.mjs'),
    });
    report.job = r;
    console.log(pad(['', 'job', 'ffmpeg', 'ffprobe', 'download', 'upload', 'overhead', 'CPU ovh']));
    console.log(
      pad([
        'wall s',
        r.job.wallSeconds.toFixed(2),
        r.ffmpeg.wallSeconds.toFixed(2),
        r.ffprobe.wallSeconds.toFixed(2),
        r.steps.download.toFixed(2),
        r.steps.upload.toFixed(2),
        mark(r.overhead.wallShare, 0.03, percent),
        percent(r.overhead.cpuShare),
      ]),
    );
    console.log(
      pad([
        'CPU s',
        r.job.cpuSeconds.toFixed(2),
        r.ffmpeg.cpuSeconds.toFixed(2),
        r.ffprobe.cpuSeconds.toFixed(2),
      ]),
    );
  }

  if (only.has('cold') && stack) {
    const coldRuns = smoke ? 3 : 15;
    console.log(
      `\nCold start: spawn to the first ReceiveMessage at SQS vs spawn to exit of \`node -e 0\`, median of ${coldRuns} pairs; target <= 3x`,
    );
    const r = await benchColdStart(stack, {
      runs: coldRuns,
      floor: await bundleSdkFloor(join(dir, 'floor')),
      entries: [
        { name: 'bundle (image)', path: join(app, 'worker.mjs') },
        { name: 'TypeScript source', path: join(root, 'worker', 'src', 'main.ts') },
      ],
    });
    report.cold = r;
    console.log(
      '  SDK floor: the SQS client alone sending one ReceiveMessage, bundled the same way (scripts/bench/sdk-floor.ts)',
    );
    console.log(pad(['to first receive', 'ms', 'node -e 0', 'ratio', 'vs floor'], 20));
    for (const e of r.entries) {
      console.log(
        pad(
          [
            e.entry,
            e.firstReceiveMs.toFixed(0),
            r.bareNodeMs.toFixed(0),
            e.entry === 'SDK floor' ? e.ratio.toFixed(2) : mark(e.ratio, 3),
            e.ratioToFloor?.toFixed(2) ?? '',
          ],
          20,
        ),
      );
    }
  }

  if (only.has('stats') && stack) {
    const large = smoke ? 500 : 10_000;
    const calls = smoke ? 10 : 50;
    console.log(
      `\nStats: the API's stats call (counters + queue depths) with 10 jobs recorded and with ${large}, ${calls} alternating pairs; target <= 1.2x`,
    );
    const r = await benchStats(stack, { small: 10, large, calls });
    report.stats = r;
    console.log(pad(['jobs', 'median ms'], 12));
    console.log(pad([String(r.small.jobs), r.small.medianMs.toFixed(2)], 12));
    console.log(pad([String(r.large.jobs), r.large.medianMs.toFixed(2)], 12));
    console.log(
      `  ratio ${mark(r.ratio, 1.2)}; exact counts: ${r.exact ? 'yes' : 'NO'}; recording ${large} jobs took ${r.large.recordSeconds.toFixed(0)} s`,
    );
  }
} finally {
  await stack?.stop();
}

// ---- cost ----
if (only.has('cost') && report.ladder.length > 0) {
  report.cost = costSection({ root, cpus: machine.cpus, ladder: report.ladder, job: report.job });
}

if (values.sweep && sources.length > 0)
  report.sweep = await sweepSection(sources, join(dir, 'work'));

mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(
  root,
  'bench-results',
  `bench-${report.date.replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`,
);
writeFileSync(file, JSON.stringify(report, null, 2));
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s; figures in ${file}`);
