import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { deinterlaceFilters } from '../../worker/src/transcode/picture/interlace.ts';
import { scalerColour, toneMapFilters } from '../../worker/src/transcode/picture/colour.ts';
import type { PicturePath } from '../../worker/src/transcode/picture/picture-path.ts';

const run = promisify(execFile);
const BIG = { maxBuffer: 256 * 1024 * 1024 };

/**
 * What the corpus run measures with plain ffmpeg and ffprobe, independently of the product's
 * own probe: whether ffmpeg decodes a file's video at all, the decoded frames' presentation
 * times, and the quality of an output against its source.
 */

export interface PlainDecode {
  readonly decodes: boolean;
  readonly frames: number;
  /** Timestamp of the last decoded frame: how long the video really is. */
  readonly seconds: number;
  readonly error?: string;
}

/** `ffmpeg -i file` with its default stream choice, video only: does it decode any frame? */
export async function plainDecode(ffmpeg: string, file: string): Promise<PlainDecode> {
  try {
    const { stdout } = await run(
      ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-v',
        'error',
        '-i',
        file,
        '-an',
        '-sn',
        '-dn',
        '-f',
        'null',
        '-progress',
        'pipe:1',
        '-',
      ],
      { ...BIG, timeout: 600_000 },
    );
    // -progress repeats its block; the last one holds the totals.
    const last = (key: string) =>
      [...stdout.matchAll(new RegExp(`^${key}=(\\S+)$`, 'gm'))].at(-1)?.[1];
    const frames = Number(last('frame') ?? 0);
    const seconds = Number(last('out_time_us') ?? 0) / 1e6;
    return { decodes: frames > 0, frames, seconds: Number.isFinite(seconds) ? seconds : 0 };
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? String(err);
    return { decodes: false, frames: 0, seconds: 0, error: lastLines(stderr, 1) };
  }
}

export interface DecodedTimeline {
  readonly frames: number;
  /** Presentation time of the first decoded frame, relative to the file's start. */
  readonly firstSeconds: number;
  /** End of the last decoded frame (its time plus its duration; untimed frames at the end count). */
  readonly endSeconds: number;
  /** The frames' durations added up: how long the stream plays whatever its timestamps say. */
  readonly playedSeconds: number;
}

/**
 * The decoded frames of one stream as ffmpeg presents them (edit lists applied, frames outside
 * the edit dropped), times relative to the file's start_time as ffmpeg's own outputs use.
 * `stream` is an ffprobe stream specifier (`v:0`, `a:0`, or an absolute index).
 */
export async function decodedTimeline(
  ffprobe: string,
  file: string,
  stream: string,
): Promise<DecodedTimeline | undefined> {
  const { stdout } = await run(
    ffprobe,
    [
      '-v',
      'error',
      '-select_streams',
      stream,
      '-show_entries',
      'format=start_time:stream=sample_rate:frame=best_effort_timestamp_time,pkt_duration_time,duration_time,nb_samples',
      '-of',
      'json',
      file,
    ],
    { ...BIG, timeout: 600_000 },
  );
  const json = JSON.parse(stdout) as {
    format?: { start_time?: string };
    streams?: { sample_rate?: string }[];
    frames?: {
      nb_samples?: number;
      best_effort_timestamp_time?: string;
      pkt_duration_time?: string;
      duration_time?: string;
    }[];
  };
  const start = Number(json.format?.start_time ?? 0) || 0;
  // Audio frames last their samples, whatever durations the container gave their packets.
  const sampleRate = Number(json.streams?.[0]?.sample_rate) || 0;
  const all = (json.frames ?? []).map((f) => ({
    t: Number(f.best_effort_timestamp_time),
    d:
      sampleRate > 0 && f.nb_samples
        ? f.nb_samples / sampleRate
        : Number(f.duration_time ?? f.pkt_duration_time ?? 0) || 0,
  }));
  const times = all.filter((f) => Number.isFinite(f.t));
  if (times.length === 0) return undefined;
  const first = Math.min(...times.map((f) => f.t));
  const last = times.reduce((a, b) => (b.t >= a.t ? b : a));
  // Frames the decoder flushed without a timestamp (B-frame delay in AVI) still play.
  const lastTimed = all.findLastIndex((f) => Number.isFinite(f.t));
  const untimed = all.slice(lastTimed + 1).reduce((sum, f) => sum + (f.d || last.d), 0);
  return {
    frames: all.length,
    firstSeconds: round(first - start),
    endSeconds: round(last.t + last.d + untimed - start),
    playedSeconds: round(all.reduce((sum, f) => sum + f.d, 0)),
  };
}

/**
 * PSNR (luma) and SSIM (luma) of an output against its source, the source decoded by ffmpeg
 * (rotation applied) and scaled to the output's size; frames are paired by timestamp, so a
 * picture shifted in time scores low.
 */
export async function qualityAgainstSource(
  ffmpeg: string,
  output: string,
  source: string,
  sourceVideoIndex: number,
  size: { width: number; height: number },
  /** The worker's picture path for the source: the reference is deinterlaced, tone-mapped and
   * converted to BT.709 the same way, so the score measures the encode, not the conversion. */
  picture?: PicturePath,
  /** The output's frame rate when it keeps fewer frames than the source (a 30 fps rung of a
   * 60 fps source): the reference is thinned the same way, so frames pair one to one. */
  frameRate?: string,
): Promise<{ psnrY: number; ssimY: number } | undefined> {
  const pre = [
    ...deinterlaceFilters(picture),
    ...(frameRate ? [`fps=${frameRate}`] : []),
    ...toneMapFilters(picture),
  ];
  const colour = picture ? `:${scalerColour(picture)}` : '';
  const graph =
    `[1:${sourceVideoIndex}]${[...pre, `scale=${size.width}:${size.height}:flags=bicubic${colour}`].join(',')},setsar=1,format=yuv420p[ref];` +
    `[0:v:0]setsar=1,format=yuv420p,split[a][b];[ref]split[r1][r2];[a][r1]psnr;[b][r2]ssim`;
  try {
    const { stderr } = await run(
      ffmpeg,
      [
        '-hide_banner',
        '-nostdin',
        '-i',
        output,
        '-i',
        source,
        '-filter_complex',
        graph,
        '-an',
        '-sn',
        '-dn',
        '-f',
        'null',
        '-',
      ],
      { ...BIG, timeout: 1_800_000 },
    );
    const psnr = /PSNR y:([\d.]+|inf)/.exec(stderr)?.[1];
    const ssim = /SSIM Y:([\d.]+)/.exec(stderr)?.[1];
    if (!psnr || !ssim) return undefined;
    return { psnrY: psnr === 'inf' ? 99 : Number(psnr), ssimY: Number(ssim) };
  } catch {
    return undefined;
  }
}

/** MD5 of a file's first video stream's packets, copied as they are (the md5 muxer). */
export async function videoStreamMd5(ffmpeg: string, file: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(
      ffmpeg,
      ['-v', 'error', '-nostdin', '-i', file, '-map', '0:v:0', '-c', 'copy', '-f', 'md5', '-'],
      BIG,
    );
    return /^MD5=([0-9a-f]+)/m.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

function lastLines(text: string, n: number): string {
  return text.trim().split('\n').slice(-n).join(' ').slice(0, 200);
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

/**
 * Every decoded audio frame of a file's stream, as `pts hash` lines (framemd5, in the stream's
 * time base), its timestamps moved as -itsoffset moves them: what an encode reading it is fed.
 */
export async function decodedAudio(
  ffmpeg: string,
  file: string,
  read: { readonly stream: number; readonly offsetSeconds?: number },
): Promise<string[]> {
  const { stdout } = await run(
    ffmpeg,
    [
      ...['-v', 'error'],
      ...(read.offsetSeconds ? ['-itsoffset', read.offsetSeconds.toFixed(6)] : []),
      ...['-i', file, '-map', `0:${read.stream}`, '-f', 'framemd5', '-'],
    ],
    BIG,
  );
  return framemd5Lines(stdout);
}

/**
 * The video frames ffmpeg decodes from a file read as a chunk reads it (input -ss, -t): each
 * frame's presentation time (in microseconds, whatever the file's time base) and MD5, in order; the file's
 * first video stream unless `stream` names one.
 */
export async function decodedFrames(
  ffmpeg: string,
  file: string,
  read: { readonly seekSeconds: number; readonly readSeconds?: number; readonly stream?: number },
): Promise<string[]> {
  const { stdout } = await run(
    ffmpeg,
    [
      '-v',
      'error',
      ...(read.seekSeconds > 0 ? ['-ss', String(read.seekSeconds)] : []),
      ...(read.readSeconds === undefined ? [] : ['-t', String(read.readSeconds)]),
      '-i',
      file,
      '-map',
      read.stream === undefined ? '0:v:0' : `0:${read.stream}`,
      '-enc_time_base:v',
      '1:1000000',
      '-fps_mode',
      'passthrough',
      '-f',
      'framemd5',
      '-',
    ],
    BIG,
  );
  return framemd5Lines(stdout);
}

/** framemd5's frame lines as `pts hash`: of stream, dts, pts, duration, size, hash, the time a frame is shown and the frame. */
function framemd5Lines(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => l.split(',').map((f) => f.trim()))
    .map((f) => `${f[2]} ${f[5]}`);
}
