/**
 * `npm run corpus -- <folder>`: runs the transcoding engine over every file in a folder (real
 * device and encoder files, e.g. AndroidX Media's test assets) and reports, per file, whether a
 * plain `ffmpeg -i` decodes its video, whether the product accepted it (and if not, its error
 * code, retry decision and reason), and for what it accepted how the top rendition compares with
 * the source: first presented frame, duration, A/V offset (all from decoded timestamps, not
 * container headers), PSNR-Y/SSIM-Y, and that every file the result names exists.
 *
 *   npm run corpus -- ../shared/media/androidx
 *   --only <substring>   files whose name contains it
 *   --ladder economy     a preset or JSON rungs (default: standard)
 *   --json <file>        also write the results as JSON (default: .local/corpus/results.json)
 *   --compare <dir>      also run every file on the ffmpeg and ffprobe in <dir> (the image's
 *                        build) and compare the two builds file by file (corpus/compare.ts)
 *   --max-seconds <n>    a file longer than n seconds runs as its first n seconds, cut by stream
 *                        copy (corpus/first-seconds.ts): CI's budget, not a product limit
 *   --pieces             instead: cut each file into three chunks and their pieces (a split
 *                        job's stream copies, the audio's too) and check that every piece the
 *                        product accepts decodes the same frames, at the same times, as the
 *                        source
 *
 * FFMPEG_PATH and FFPROBE_PATH choose the reference build (default: ffmpeg and ffprobe on PATH,
 * Debian's); whichever build transcodes, the reference's tools measure. Nothing is uploaded: the
 * engine runs on the local file, as a worker runs it after download. Exit code 1 if any check
 * failed (a file ffmpeg decodes refused for something other than a documented limit or
 * encryption, or an output that does not match its source, on either build), or if a file the
 * reference accepts is refused or comes out otherwise on the other build.
 */
import { execFile } from 'node:child_process';
import {
  accessSync,
  constants,
  mkdirSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { Transcoder } from '../worker/src/transcode/transcoder.ts';
import {
  compareEntries,
  describeComparison,
  summarizeComparisons,
  type BuildComparison,
} from './corpus/compare.ts';
import { evaluate, summarize, type CorpusEntry } from './corpus/evaluate.ts';
import { firstSeconds } from './corpus/first-seconds.ts';
import { runEngine, type Measured } from './corpus/inspect.ts';
import { plainDecode } from './corpus/measure.ts';
import { checkPieces } from './corpus/pieces.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    ladder: { type: 'string', default: 'standard' },
    json: { type: 'string' },
    compare: { type: 'string' },
    'max-seconds': { type: 'string' },
    pieces: { type: 'boolean', default: false },
  },
});
const folder = positionals[0];
const maxSeconds = values['max-seconds'] === undefined ? undefined : Number(values['max-seconds']);
if (!folder || (maxSeconds !== undefined && !(maxSeconds > 0))) {
  console.error(
    'usage: npm run corpus -- <folder> [--only substring] [--ladder preset|json] [--json file] [--compare dir-with-ffmpeg-and-ffprobe] [--max-seconds n] [--pieces]',
  );
  process.exit(2);
}
if (values.pieces && (values.compare || maxSeconds)) {
  console.error(
    '--pieces runs on one build, whole files: drop --compare and --max-seconds, and set FFMPEG_PATH and FFPROBE_PATH to run it on another build',
  );
  process.exit(2);
}
const root = join(import.meta.dirname, '..');
const work = join(root, '.local', 'corpus');
const jsonPath = resolve(values.json ?? join(work, 'results.json'));
const paths = {
  ffmpegPath: process.env.FFMPEG_PATH ?? 'ffmpeg',
  ffprobePath: process.env.FFPROBE_PATH ?? 'ffprobe',
};
// The worker's defaults (README "Configuration").
const LIMITS = { maxDurationSeconds: 14_400, maxDimension: 8192, maxFrameRate: 120 };
const transcoder = new Transcoder({ paths, limits: LIMITS });
const other = values.compare ? await otherBuild(resolve(values.compare)) : undefined;
const ladder = values.ladder.startsWith('[')
  ? (JSON.parse(values.ladder) as { height: number }[])
  : (values.ladder as 'standard');

const files = readdirSync(folder)
  .filter((f) => !/^(LICENSE|README)/i.test(f) && statSync(join(folder, f)).isFile())
  .filter((f) => !values.only || f.includes(values.only))
  .sort();

if (values.pieces) {
  let bad = 0;
  for (const name of files) {
    const r = await checkPieces(transcoder, paths.ffmpegPath, name, resolve(folder, name), work);
    bad += r.mismatched.length + (r.audio === 'MISMATCH' ? 1 : 0);
    const audio =
      r.audio === undefined ? '' : `; audio ${typeof r.audio === 'string' ? r.audio : 'refused'}`;
    const verdict = r.skipped
      ? `skipped (${r.skipped.slice(0, 80)})`
      : `${r.accepted}/${r.chunks} pieces${r.mismatched.length ? ` MISMATCH in chunks ${r.mismatched.join(', ')}` : ' same frames'}${audio}`;
    console.log(`${name.padEnd(72)} ${verdict}`);
    for (const d of r.dropped) console.log(`${''.padEnd(74)}${d.slice(0, 160)}`);
    if (typeof r.audio === 'object') {
      console.log(`${''.padEnd(74)}audio: ${r.audio.refused.slice(0, 160)}`);
    }
  }
  console.log(
    bad === 0 ? 'pieces: every accepted piece matches its source' : `pieces: ${bad} MISMATCH`,
  );
  process.exit(bad === 0 ? 0 : 1);
}

// With --compare each build writes beside the other: out/<file>/reference and out/<file>/other.
const refDir = other ? 'reference' : '';
const refEntries: CorpusEntry[] = [];
const pairs: { ref: CorpusEntry; other: CorpusEntry; comparison: BuildComparison }[] = [];
const cutDir = join(work, 'cut');
const started = Date.now();
for (const [i, name] of files.entries()) {
  rmSync(cutDir, { recursive: true, force: true });
  mkdirSync(cutDir, { recursive: true });
  const outBase = join(work, 'out', name.replace(/[^\w.-]/g, '_'));
  rmSync(outBase, { recursive: true, force: true });
  mkdirSync(outBase, { recursive: true });
  const input = maxSeconds
    ? await firstSeconds(paths, transcoder, resolve(folder, name), maxSeconds, cutDir)
    : { path: resolve(folder, name) };
  const plain = await plainDecode(paths.ffmpegPath, input.path);
  const measured: Measured = new Map();
  const runOn = (t: Transcoder, dir: string) => {
    const outDir = join(outBase, dir);
    mkdirSync(outDir, { recursive: true });
    return runEngine({
      transcoder: t,
      tools: paths,
      ladder,
      file: name,
      source: input.path,
      outDir,
      plain,
      measured,
      ...(input.firstSeconds === undefined ? {} : { firstSeconds: input.firstSeconds }),
    });
  };
  const ref = await runOn(transcoder, refDir);
  refEntries.push(ref);
  const verdict = evaluate(ref);
  // With --compare, one verdict for the file: both builds' checks and their comparison.
  const lines = verdict.problems.map((p) => `- ${p}`);
  let ok = verdict.ok;
  if (other) {
    const entry = await runOn(other.transcoder, 'other');
    const comparison = compareEntries(ref, entry);
    pairs.push({ ref, other: entry, comparison });
    const theirs = evaluate(entry);
    lines.push(`other build: ${describeComparison(comparison)}`);
    if (theirs.line !== verdict.line) lines.push(`other build: ${theirs.line}`);
    lines.push(...theirs.problems.map((p) => `- other build: ${p}`));
    ok &&= theirs.ok && comparison.differences.length === 0;
  }
  const cut = input.firstSeconds === undefined ? '' : ` (first ${input.firstSeconds} s)`;
  console.log(
    `${String(i + 1).padStart(3)}/${files.length} ${ok ? 'ok  ' : 'FAIL'} ${name}${cut}: ${verdict.line}`,
  );
  if (input.note) lines.unshift(`note: ${input.note}`);
  for (const l of lines) console.log(`        ${l}`);
  if (ok) rmSync(outBase, { recursive: true, force: true });
}

rmSync(cutDir, { recursive: true, force: true });

const summary = summarize(refEntries);
const took = Math.round((Date.now() - started) / 1000);
const otherSummary = other ? summarize(pairs.map((p) => p.other)) : undefined;
const comparison = other ? summarizeComparisons(pairs) : undefined;
if (other) {
  console.log(`\nreference (${paths.ffmpegPath}):\n${summary.text}`);
  console.log(`\nother build (${other.dir}):\n${otherSummary!.text}`);
  console.log(`\ncompared:\n${comparison!.text}`);
} else {
  console.log(`\n${summary.text}`);
}
console.log(`\n${files.length} files in ${took} s`);
mkdirSync(work, { recursive: true });
writeFileSync(
  jsonPath,
  JSON.stringify(
    {
      folder: resolve(folder),
      date: new Date().toISOString(),
      ladder,
      ...(maxSeconds ? { maxSeconds } : {}),
      seconds: took,
      reference: { ...paths, version: await versionOf(paths.ffmpegPath) },
      summary,
      entries: refEntries,
      ...(other
        ? {
            other: { dir: other.dir, version: other.version, summary: otherSummary },
            comparison: { summary: comparison, files: pairs.map((p) => p.comparison) },
            otherEntries: pairs.map((p) => p.other),
          }
        : {}),
    },
    null,
    2,
  ),
);
console.log(`results: ${jsonPath}`);
const failed = summary.problems + (otherSummary?.problems ?? 0) + (comparison?.failing.length ?? 0);
process.exitCode = failed > 0 ? 1 : 0;

/** The other build: `<dir>/ffmpeg` and `<dir>/ffprobe`, checked before the run starts. */
async function otherBuild(dir: string) {
  const p = { ffmpegPath: join(dir, 'ffmpeg'), ffprobePath: join(dir, 'ffprobe') };
  for (const bin of [p.ffmpegPath, p.ffprobePath]) {
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      console.error(
        `--compare ${dir}: ${bin} is missing or not executable; give a folder holding both ffmpeg and ffprobe (e.g. the image's, copied out to .local/image/ffmpeg by scripts/image/ci.sh)`,
      );
      process.exit(2);
    }
  }
  const version = await versionOf(p.ffmpegPath);
  console.log(`reference: ${paths.ffmpegPath} (${await versionOf(paths.ffmpegPath)})`);
  console.log(`other build: ${dir} (${version})`);
  return { dir, version, transcoder: new Transcoder({ paths: p, limits: LIMITS }) };
}

async function versionOf(ffmpeg: string): Promise<string> {
  const { stdout } = await promisify(execFile)(ffmpeg, ['-hide_banner', '-version']);
  return stdout.split('\n')[0] ?? '';
}
