import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../worker/src/base/errors.ts';
import type { FfmpegPaths } from '../../worker/src/transcode/ffmpeg/invocation.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import type { TranscodeRequest } from '../../worker/src/transcode/ladder/plan.ts';
import type { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import type { CorpusEntry } from './evaluate.ts';
import {
  decodedTimeline,
  qualityAgainstSource,
  videoStreamMd5,
  type PlainDecode,
} from './measure.ts';

/**
 * Measurements already taken for one source, by what they measured (a file's content, a
 * stream, a size): the second build's run reuses the source's timelines, and all of the top
 * rendition's when its MP4 is the same bytes.
 */
export type Measured = Map<string, Promise<unknown>>;

export interface EngineRun {
  readonly transcoder: Transcoder;
  /** The ffmpeg and ffprobe that measure: the reference build's, whichever build transcoded. */
  readonly tools: FfmpegPaths;
  readonly ladder: TranscodeRequest['ladder'];
  readonly file: string;
  readonly source: string;
  readonly outDir: string;
  readonly plain: PlainDecode;
  readonly firstSeconds?: number;
  readonly measured: Measured;
}

/** Runs the engine on one local file, as a worker does after download, and measures what it made. */
export async function runEngine(run: EngineRun): Promise<CorpusEntry> {
  const t0 = Date.now();
  let result: TranscodeResult | undefined;
  let error: ReturnType<typeof describeError> | undefined;
  try {
    result = await run.transcoder.transcode({
      sourcePath: run.source,
      outDir: run.outDir,
      request: { ladder: run.ladder, formats: ['hls', 'mp4'], thumbnails: { intervalSeconds: 2 } },
      signal: AbortSignal.timeout(3_600_000),
    });
  } catch (err) {
    error = describeError(err);
  }
  const seconds = (Date.now() - t0) / 1000;
  return {
    file: run.file,
    sizeBytes: statSync(run.source).size,
    plainDecode: run.plain,
    seconds,
    ...(run.firstSeconds === undefined ? {} : { firstSeconds: run.firstSeconds }),
    ...(error ? { error } : {}),
    ...(result ? { accepted: await inspect(run, result) } : {}),
  };
}

/** Compares the top rendition with its source by decoding both. */
async function inspect(
  run: EngineRun,
  result: TranscodeResult,
): Promise<NonNullable<CorpusEntry['accepted']>> {
  const { tools, source, outDir } = run;
  const once = <T>(key: string, measure: () => Promise<T>): Promise<T> => {
    if (!run.measured.has(key)) run.measured.set(key, measure());
    return run.measured.get(key) as Promise<T>;
  };
  const top = result.renditions[0]!;
  const mp4 = join(outDir, top.mp4!.key);
  const sha = existsSync(mp4)
    ? createHash('sha256').update(readFileSync(mp4)).digest('hex')
    : `missing:${mp4}`;
  const videoIndex = result.source.video.index;
  const audioIndex = result.source.audio?.index;
  const picture = result.source.video.picture;
  const [srcVideo, srcAudio, outVideo, outAudio, quality, videoMd5] = await Promise.all([
    once(`timeline ${source} ${videoIndex}`, () =>
      decodedTimeline(tools.ffprobePath, source, String(videoIndex)),
    ),
    audioIndex === undefined || result.audio !== 'encoded'
      ? undefined
      : once(`timeline ${source} ${audioIndex}`, () =>
          decodedTimeline(tools.ffprobePath, source, String(audioIndex)).catch(() => undefined),
        ),
    once(`timeline ${sha} v:0`, () => decodedTimeline(tools.ffprobePath, mp4, 'v:0')),
    once(`timeline ${sha} a:0`, () =>
      decodedTimeline(tools.ffprobePath, mp4, 'a:0').catch(() => undefined),
    ),
    once(`quality ${sha} ${videoIndex} ${top.width}x${top.height} ${JSON.stringify(picture)}`, () =>
      qualityAgainstSource(tools.ffmpegPath, mp4, source, videoIndex, top, picture),
    ),
    once(`md5 ${sha}`, () => videoStreamMd5(tools.ffmpegPath, mp4)),
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
    ...(existsSync(mp4) ? { topSha256: sha } : {}),
    ...(videoMd5 ? { topVideoMd5: videoMd5 } : {}),
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
