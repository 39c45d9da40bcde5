import { InvalidMediaError } from '../errors.ts';
import { ALLOWED_DEMUXERS } from './ffmpeg-args.ts';

/** What the ladder needs to know about a source, from ffprobe's JSON. */
export interface SourceInfo {
  readonly formatName: string;
  readonly durationSeconds: number;
  readonly sizeBytes: number;
  readonly video: {
    readonly index: number;
    readonly codec: string;
    readonly profile?: string;
    readonly pixelFormat?: string;
    readonly bitDepth: number;
    /** Coded size, before rotation and sample aspect ratio. */
    readonly width: number;
    readonly height: number;
    /** The size a player shows: rotation applied, sample aspect ratio squared. */
    readonly displayWidth: number;
    readonly displayHeight: number;
    readonly rotation: number;
    readonly frameRate: number;
    readonly variableFrameRate: boolean;
    /** The video stream's own duration when the container states it, else the file's. */
    readonly durationSeconds: number;
  };
  readonly audio?: {
    readonly index: number;
    readonly codec: string;
    readonly channels: number;
    readonly sampleRate: number;
  };
  /** Streams that are neither the video nor the audio we use (timecode, metadata, subtitles). */
  readonly ignoredStreams: readonly string[];
}

interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  profile?: string;
  level?: number;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  duration?: string;
  channels?: number;
  sample_rate?: string;
  disposition?: { attached_pic?: number; default?: number };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

export interface ProbeJson {
  streams?: ProbeStream[];
  format?: { format_name?: string; duration?: string; size?: string; nb_streams?: number };
}

/**
 * Interprets ffprobe's `-show_format -show_streams -of json` output. Throws InvalidMediaError
 * (permanent) when the file is not exactly one video stream plus optional audio.
 */
export function interpretProbe(json: ProbeJson): SourceInfo {
  const streams = json.streams ?? [];
  const format = json.format ?? {};
  const videos = streams.filter(
    (s) => s.codec_type === 'video' && s.disposition?.attached_pic !== 1,
  );
  const audios = streams.filter((s) => s.codec_type === 'audio');
  if (videos.length === 0) {
    throw new InvalidMediaError(
      audios.length > 0
        ? 'the source has audio but no video stream; only video files can be transcoded'
        : `the source has no video stream (format: ${format.format_name ?? 'unknown'})`,
    );
  }
  if (videos.length > 1) {
    throw new InvalidMediaError(
      `the source has ${videos.length} video streams; only files with exactly one are accepted`,
    );
  }
  const v = videos[0]!;
  const width = v.width ?? 0;
  const height = v.height ?? 0;
  if (width < 2 || height < 2) {
    throw new InvalidMediaError(`the video stream has no usable picture size (${width}x${height})`);
  }
  const rotation = normalizeRotation(readRotation(v));
  const sar = parseRatio(v.sample_aspect_ratio) || 1;
  // ffmpeg's decoder applies the rotation (autorotate), so a quarter turn swaps the sides.
  const sarWidth = Math.max(2, Math.round(width * sar));
  const quarterTurn = rotation === 90 || rotation === 270;
  const displayWidth = quarterTurn ? height : sarWidth;
  const displayHeight = quarterTurn ? sarWidth : height;

  const avg = parseRatio(v.avg_frame_rate);
  const real = parseRatio(v.r_frame_rate);
  const frameRate = avg > 0 ? avg : real;
  if (!(frameRate > 0)) throw new InvalidMediaError('the video stream has no frame rate');

  const durationSeconds = Number(format.duration ?? v.duration ?? NaN);
  if (!(durationSeconds > 0)) {
    throw new InvalidMediaError(
      'the source has no duration (is it a still image or a live stream?)',
    );
  }
  const formatName = format.format_name ?? 'unknown';
  if (!ALLOWED_DEMUXERS.some((d) => formatName.split(',').includes(d))) {
    throw new InvalidMediaError(
      `the source is a "${formatName}" file, which is not an accepted video container`,
    );
  }
  const videoDuration = Number(v.duration);

  const a = audios.find((s) => s.disposition?.default === 1) ?? audios[0];
  const used = new Set([v.index, a?.index]);
  return {
    formatName,
    durationSeconds,
    sizeBytes: Number(format.size ?? 0),
    video: {
      index: v.index,
      codec: v.codec_name ?? 'unknown',
      ...(v.profile ? { profile: v.profile } : {}),
      ...(v.pix_fmt ? { pixelFormat: v.pix_fmt } : {}),
      bitDepth: bitDepthOf(v),
      width,
      height,
      displayWidth,
      displayHeight,
      rotation,
      frameRate,
      variableFrameRate: avg > 0 && real > 0 && Math.abs(avg - real) / real > 0.01,
      durationSeconds: videoDuration > 0 ? videoDuration : durationSeconds,
    },
    ...(a
      ? {
          audio: {
            index: a.index,
            codec: a.codec_name ?? 'unknown',
            channels: a.channels ?? 2,
            sampleRate: Number(a.sample_rate ?? 48_000),
          },
        }
      : {}),
    ignoredStreams: streams
      .filter((s) => !used.has(s.index))
      .map((s) => `#${s.index} ${s.codec_type ?? 'unknown'}/${s.codec_name ?? 'unknown'}`),
  };
}

function readRotation(s: ProbeStream): number {
  const fromSideData = s.side_data_list?.find((d) => typeof d.rotation === 'number')?.rotation;
  if (fromSideData !== undefined) return -fromSideData; // display matrix rotation is counter-clockwise
  const tag = s.tags?.rotate;
  return tag ? Number(tag) || 0 : 0;
}

function normalizeRotation(degrees: number): number {
  const r = (((Math.round(degrees / 90) * 90) % 360) + 360) % 360;
  return r;
}

function parseRatio(value: string | undefined): number {
  if (!value) return 0;
  const [n, d] = value.split(/[/:]/).map(Number);
  if (n === undefined || !Number.isFinite(n)) return 0;
  if (d === undefined) return n;
  return d > 0 && Number.isFinite(d) ? n / d : 0;
}

function bitDepthOf(s: ProbeStream): number {
  const raw = Number(s.bits_per_raw_sample);
  if (raw > 0) return raw;
  const match = /p(9|10|12|14|16)/.exec(s.pix_fmt ?? '');
  return match ? Number(match[1]) : 8;
}
