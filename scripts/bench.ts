/**
 * `npm run bench`: speed measured side by side in one run on this machine (ratios, not
 * absolute times, are what carry over to other machines).
 *
 *   npm run bench                 the ladder on camera, screen and animation sources
 *   npm run bench -- --sweep      x264 preset / scaler / threads sweep (how the defaults were chosen)
 *   npm run bench -- --smoke      a quick pass (CI): short sources, one run
 *   --runs N  --seconds S         repetitions (median reported) and source length
 *
 * Prints a table and writes the figures as JSON under bench-results/.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchLadder, type LadderResult } from './bench/ladder.ts';
import { benchSources } from './bench/sources.ts';
import { sweepPoint, type SweepPoint } from './bench/sweep.ts';

const { values } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false },
    runs: { type: 'string' },
    seconds: { type: 'string' },
  },
});
const smoke = values.smoke;
const runs = Number(values.runs ?? (smoke ? 1 : 3));
const seconds = Number(values.seconds ?? (smoke ? 2 : 10));
const root = join(import.meta.dirname, '..');
const dir = join(root, '.local', 'bench');
const machine = {
  cpus: cpus().length,
  model: cpus()[0]?.model ?? 'unknown',
  memoryGiB: Math.round(totalmem() / 2 ** 30),
  node: process.version,
};

const started = Date.now();
const sources = await benchSources(dir, seconds, smoke ? ['screen'] : undefined);
const report: {
  machine: typeof machine;
  date: string;
  ladder: LadderResult[];
  sweep?: SweepPoint[];
} = {
  machine,
  date: new Date().toISOString(),
  ladder: [],
};

console.log(
  `machine: ${machine.cpus} x ${machine.model}, ${machine.memoryGiB} GiB, Node ${machine.node}`,
);
console.log(
  `\nLadder: standard 1080p..144p, HLS + MP4, ${seconds} s 1080p30 sources, median of ${runs} run(s)`,
);
console.log(
  '  (a) one ffmpeg per rung   (b) single-decode ladder   (c) encoder-only floor: same encodes from',
);
console.log('  pre-decoded frames   (d) decoding the source once, alone: work no ladder avoids');
console.log(
  pad([
    'source',
    'a CPU-s',
    'b CPU-s',
    'c CPU-s',
    'd CPU-s',
    'b/a',
    'best b/a',
    'b/c',
    'b/(c+d)',
    'b wall',
    'realtime',
  ]),
);
for (const source of sources) {
  const r = await benchLadder(source, { workDir: join(dir, 'work'), runs });
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
      r.ratios.singleToNaiveCpu.toFixed(2),
      best.toFixed(2),
      r.ratios.singleToFloorCpu.toFixed(2),
      r.ratios.singleToFloorPlusDecodeCpu.toFixed(2),
      `${r.single.wallSeconds.toFixed(1)} s`,
      `${r.ratios.realtimeFactor.toFixed(2)}x`,
    ]),
  );
}

if (values.sweep) {
  report.sweep = [];
  console.log(
    '\nx264 sweep (single-decode ladder, MP4 only): CPU-s, total MiB, SSIM of the top rung vs source',
  );
  console.log(pad(['source', 'preset', 'scaler', 'threads', 'CPU-s', 'wall s', 'MiB', 'SSIM']));
  for (const source of sources) {
    for (const preset of ['superfast', 'veryfast', 'faster']) {
      for (const scaler of ['bicubic', 'bilinear']) {
        for (const threadsPerRung of [0, 1]) {
          const p = await sweepPoint(source, { preset, scaler, threadsPerRung }, join(dir, 'work'));
          report.sweep.push(p);
          console.log(
            pad([
              p.source,
              preset,
              scaler,
              threadsPerRung === 0 ? 'auto' : String(threadsPerRung),
              p.cost.cpuSeconds.toFixed(1),
              p.cost.wallSeconds.toFixed(1),
              (p.bytes / 2 ** 20).toFixed(1),
              p.topSsim.toFixed(4),
            ]),
          );
        }
      }
    }
  }
}

mkdirSync(join(root, 'bench-results'), { recursive: true });
const file = join(
  root,
  'bench-results',
  `bench-${report.date.replace(/[:.]/g, '-')}${smoke ? '-smoke' : ''}.json`,
);
writeFileSync(file, JSON.stringify(report, null, 2));
console.log(`\n${((Date.now() - started) / 1000).toFixed(0)} s; figures in ${file}`);

function pad(cells: string[]): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(10) : c.padStart(9))).join(' ');
}
