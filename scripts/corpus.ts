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
 *   --pieces             instead: cut each file into three chunks and their pieces (a split
 *                        job's stream copies, the audio's too) and check that every piece the
 *                        product accepts decodes the same frames, at the same times, as the
 *                        source
 *
 * Nothing is uploaded: the engine runs on the local file, as a worker runs it after download.
 * Exit code 1 if any check failed (a file ffmpeg decodes refused for something other than a
 * documented limit or encryption, or an output that does not match its source).
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { describeError } from '../worker/src/base/errors.ts';
import { Transcoder } from '../worker/src/transcode/transcoder.ts';
import type { TranscodeResult } from '../worker/src/transcode/finish/result.ts';
import { evaluate, summarize, type CorpusEntry } from './corpus/evaluate.ts';
import { decodedTimeline, plainDecode, qualityAgainstSource } from './corpus/measure.ts';
import { checkPieces } from './corpus/pieces.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    only: { type: 'string' },
    ladder: { type: 'string', default: 'standard' },
    json: { type: 'string' },
    pieces: { type: 'boolean', default: false },
  },
});
const folder = positionals[0];
if (!folder) {
  console.error(
    'usage: npm run corpus -- <folder> [--only substring] [--ladder preset] [--json file]',
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
const transcoder = new Transcoder({
  paths,
  limits: { maxDurationSeconds: 14_400, maxDimension: 8192, maxFrameRate: 120 },
});
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

const entries: CorpusEntry[] = [];
const started = Date.now();
for (const [i, name] of files.entries()) {
  const source = resolve(folder, name);
  const outDir = join(work, 'out', name.replace(/[^\w.-]/g, '_'));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const plain = await plainDecode(paths.ffmpegPath, source);
  const t0 = Date.now();
  let result: TranscodeResult | undefined;
  let error: ReturnType<typeof describeError> | undefined;
  try {
    result = await transcoder.transcode({
      sourcePath: source,
      outDir,
      request: { ladder, formats: ['hls', 'mp4'], thumbnails: { intervalSeconds: 2 } },
      signal: AbortSignal.timeout(3_600_000),
    });
  } catch (err) {
    error = describeError(err);
  }
  const seconds = (Date.now() - t0) / 1000;
  const entry: CorpusEntry = {
    file: name,
    sizeBytes: statSync(source).size,
    plainDecode: plain,
    seconds,
    ...(error ? { error } : {}),
    ...(result ? { accepted: await inspect(source, outDir, result) } : {}),
  };
  entries.push(entry);
  const verdict = evaluate(entry);
  console.log(
    `${String(i + 1).padStart(3)}/${files.length} ${verdict.ok ? 'ok  ' : 'FAIL'} ${name}: ${verdict.line}`,
  );
  if (!verdict.ok) for (const p of verdict.problems) console.log(`        - ${p}`);
  if (verdict.ok) rmSync(outDir, { recursive: true, force: true });
}

const summary = summarize(entries);
console.log(`\n${summary.text}`);
console.log(`\n${files.length} files in ${Math.round((Date.now() - started) / 1000)} s`);
mkdirSync(work, { recursive: true });
writeFileSync(
  jsonPath,
  JSON.stringify(
    { folder: resolve(folder), date: new Date().toISOString(), summary, entries },
    null,
    2,
  ),
);
console.log(`results: ${jsonPath}`);
process.exitCode = summary.problems > 0 ? 1 : 0;

/** Compares the top rendition with its source by decoding both. */
async function inspect(
  source: string,
  outDir: string,
  result: TranscodeResult,
): Promise<NonNullable<CorpusEntry['accepted']>> {
  const top = result.renditions[0]!;
  const mp4 = join(outDir, top.mp4!.key);
  const videoIndex = result.source.video.index;
  const audioIndex = result.source.audio?.index;
  const [srcVideo, srcAudio, outVideo, outAudio, quality] = await Promise.all([
    decodedTimeline(paths.ffprobePath, source, String(videoIndex)),
    audioIndex === undefined || result.audio !== 'encoded'
      ? undefined
      : decodedTimeline(paths.ffprobePath, source, String(audioIndex)).catch(() => undefined),
    decodedTimeline(paths.ffprobePath, mp4, 'v:0'),
    decodedTimeline(paths.ffprobePath, mp4, 'a:0').catch(() => undefined),
    qualityAgainstSource(
      paths.ffmpegPath,
      mp4,
      source,
      videoIndex,
      top,
      result.source.video.picture,
    ),
  ]);
  const named = [
    ...result.files.map((f) => f.relativeKey),
    result.poster,
    ...(result.masterPlaylist ? [result.masterPlaylist] : []),
  ];
  const missing = named.filter(
    (key) => !existsSync(join(outDir, key)) || statSync(join(outDir, key)).size === 0,
  );
  return {
    source: {
      format: result.source.formatName,
      video: `${result.source.video.codec} ${result.source.video.width}x${result.source.video.height}`,
      frameRate: result.source.video.frameRate,
      durationSeconds: result.source.durationSeconds,
      videoDurationSeconds: result.source.video.durationSeconds,
      notes: result.source.notes,
    },
    audio: result.audio,
    rungs: result.renditions.map((r) => r.name),
    top: { name: top.name, width: top.width, height: top.height },
    sourceVideo: srcVideo,
    sourceAudio: srcAudio,
    outputVideo: outVideo,
    outputAudio: outAudio,
    ...(quality ? { quality } : {}),
    missing,
    subtitles: result.subtitles.published.map(
      (t) => `${t.id} ${t.kind}${t.language ? ` ${t.language}` : ''} (${t.cues} cues)`,
    ),
    subtitleFailures: result.subtitles.leftOut
      .filter((t) => /could not be/.test(t.reason))
      .map((t) => `${t.streamIndex === undefined ? 'captions' : `#${t.streamIndex}`}: ${t.reason}`),
    posterBytes: existsSync(join(outDir, result.poster))
      ? statSync(join(outDir, result.poster)).size
      : 0,
  };
}
