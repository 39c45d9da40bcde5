import { EncryptedMediaError, InvalidMediaError } from '../../base/errors.ts';
import type { PacketSpan, ProbeJson, ProbeStream } from '../ffmpeg/probe-json.ts';
import { decideDuration, fromScan } from './duration.ts';
import { ALLOWED_DEMUXERS } from '../ffmpeg/input-guard.ts';
import { decideFrameRate } from './frame-rate.ts';
import { decidePicture } from '../picture/picture-path.ts';
import type { IsoBmffSummary } from '../files/iso-bmff.ts';
import { chooseAudio, chooseVideo, codecLabel } from './stream-choice.ts';
import type { SourceInfo } from './source-info.ts';
import { bcp47, planSubtitles } from './subtitle-tracks.ts';

export interface ProbeContext {
  /** How many packets the probe asked for; fewer came back means it saw the whole file. */
  readonly packetWindow?: number;
  /** The file's box structure, when it is ISO-BMFF (MP4/MOV). */
  readonly isoBmff?: IsoBmffSummary;
  /** A declared duration over this is checked against the packets before it is believed. */
  readonly maxDurationSeconds?: number;
  /** Every video packet of the chosen stream, when `packetScanNeeded` asked for it. */
  readonly scannedPackets?: PacketSpan;
}

/**
 * Whether the container's duration needs checking against every packet of the main video
 * stream before the source can be described: the stream to scan and why, or undefined.
 */
export function packetScanNeeded(
  json: ProbeJson,
  context: ProbeContext = {},
): { streamIndex: number; why: string } | undefined {
  const analysis = analyse(json, context);
  if ('why' in analysis.video) return undefined;
  const d = analysis.duration;
  return d.kind === 'scan' ? { streamIndex: analysis.video.stream.index, why: d.why } : undefined;
}

/**
 * Interprets ffprobe's format, streams and first packets. Throws InvalidMediaError (permanent)
 * when there is no usable video, and EncryptedMediaError when the source is DRM-protected.
 */
export function interpretProbe(json: ProbeJson, context: ProbeContext = {}): SourceInfo {
  const { streams, format, video, duration, packetsOf } = analyse(json, context);
  if ('why' in video) throw new InvalidMediaError(video.why);
  const formatName = format.format_name ?? 'unknown';
  if (!ALLOWED_DEMUXERS.some((d) => formatName.split(',').includes(d))) {
    throw new InvalidMediaError(
      `the source is a "${formatName}" file, which is not an accepted video container`,
    );
  }
  const v = video.stream;
  const notes: string[] = [];

  const rotation = normalizeRotation(readRotation(v));
  const sar = parseRatio(v.sample_aspect_ratio) || 1;
  const width = v.width!;
  const height = v.height!;
  // ffmpeg's decoder applies the rotation (autorotate), so a quarter turn swaps the sides.
  const sarWidth = Math.max(2, Math.round(width * sar));
  const quarterTurn = rotation === 90 || rotation === 270;

  const rate = decideFrameRate({
    average: parseRatio(v.avg_frame_rate),
    real: parseRatio(v.r_frame_rate),
    packetTimes: packetsOf(v.index).map((p) => p.pts),
  });
  if (!(rate.fps > 0)) throw new InvalidMediaError('the video stream has no frame rate');
  if (rate.note) notes.push(rate.note);

  if (duration.kind === 'scan' && !context.scannedPackets) {
    throw new Error(`the source's duration needs a packet scan first (${duration.why})`);
  }
  const decided =
    duration.kind === 'scan'
      ? fromScan(context.scannedPackets!, duration.why, declaredVideoSeconds(v, format))
      : duration;
  if (decided.kind === 'from-packets') notes.push(decided.note);
  const videoSeconds = decided.videoSeconds;
  if (!(videoSeconds > 0)) {
    throw new InvalidMediaError(
      'the source has no duration: its video has no frames that play for any time (a still image, an initialization segment, or a live stream?)',
    );
  }
  const formatStart = Number(format.start_time);
  const videoStart = Number(v.start_time);
  const startSeconds =
    Number.isFinite(formatStart) && Number.isFinite(videoStart)
      ? Math.max(0, round3(videoStart - formatStart))
      : 0;

  const audio = chooseAudio(streams);
  if (audio.undecodable) notes.push(audio.undecodable.reason);
  const a = audio.stream;
  const retime = a ? audioTimestampsBroken(packetsOf(a.index)) : false;
  if (retime) {
    notes.push(
      "the audio's timestamps advance far slower than its samples; it is timed by its samples",
    );
  }
  const picture = decidePicture(v);
  notes.push(...picture.notes);
  const subtitles = planSubtitles(streams);
  const used = new Set([v.index, a?.index, ...subtitles.tracks.map((t) => t.streamIndex)]);
  notes.push(...video.passedOver.map((p) => `video ${p}`));
  return {
    formatName,
    durationSeconds: Math.max(videoSeconds, decided.fileSeconds),
    sizeBytes: Number(format.size ?? 0),
    video: {
      index: v.index,
      codec: v.codec_name ?? 'unknown',
      ...(v.profile ? { profile: v.profile } : {}),
      ...(v.pix_fmt ? { pixelFormat: v.pix_fmt } : {}),
      bitDepth: bitDepthOf(v),
      width,
      height,
      displayWidth: quarterTurn ? height : sarWidth,
      displayHeight: quarterTurn ? sarWidth : height,
      rotation,
      frameRate: rate.fps,
      variableFrameRate: rate.variable,
      startSeconds,
      durationSeconds: videoSeconds,
      picture,
    },
    ...(a
      ? {
          audio: {
            index: a.index,
            codec: a.codec_name ?? 'unknown',
            channels: a.channels ?? 2,
            sampleRate: Number(a.sample_rate ?? 48_000),
            ...(bcp47(a.tags?.language) ? { language: bcp47(a.tags?.language)! } : {}),
            ...(retime ? { retime } : {}),
          },
        }
      : {}),
    ...(audio.undecodable ? { undecodableAudio: audio.undecodable } : {}),
    subtitles,
    ignoredStreams: streams
      .filter((s) => !used.has(s.index))
      .map((s) => `#${s.index} ${s.codec_type ?? 'unknown'}/${codecLabel(s)}`),
    notes,
  };
}

/** The parts of the interpretation both entry points need, computed the same way. */
function analyse(json: ProbeJson, context: ProbeContext) {
  const streams = json.streams ?? [];
  const format = json.format ?? {};
  refuseEncrypted(streams, context.isoBmff);
  // D: before an edit list's start, decoded as a reference and never shown.
  const packets = (json.packets ?? [])
    .filter((p) => !p.flags?.includes('D'))
    .map((p) => ({
      stream: p.stream_index ?? -1,
      pts: Number(p.pts_time ?? p.dts_time),
      duration: Number(p.duration_time) || 0,
    }))
    .filter((p) => Number.isFinite(p.pts));
  const packetsOf = (index: number) => packets.filter((p) => p.stream === index);
  const counts = new Map<number, number>();
  for (const p of packets) counts.set(p.stream, (counts.get(p.stream) ?? 0) + 1);
  // Fewer packets than asked for means the end of the file was reached, unless the read stopped
  // at a file cut short ("partial file"): then the packets say nothing about the length.
  const cutShort = json.readErrors?.some((line) => /partial file/.test(line)) ?? false;
  const sawWholeFile =
    context.packetWindow !== undefined &&
    (json.packets?.length ?? 0) < context.packetWindow &&
    !cutShort;
  const video = chooseVideo(streams, counts, sawWholeFile);
  const duration =
    'why' in video
      ? ({ kind: 'trusted', videoSeconds: 0, fileSeconds: 0 } as const)
      : decideDuration({
          formatSeconds: Number(format.duration) || 0,
          streamSeconds: streamSeconds(video.stream),
          sizeBytes: Number(format.size ?? 0),
          ...(sawWholeFile ? { wholeFilePackets: spanOf(packetsOf(video.stream.index)) } : {}),
          ...(context.maxDurationSeconds !== undefined
            ? { limitSeconds: context.maxDurationSeconds }
            : {}),
        });
  return { streams, format, video, duration, packetsOf };
}

/** Video packets as a span: count, first presentation time, end of the last one. */
export function spanOf(packets: readonly { pts: number; duration: number }[]): PacketSpan {
  let first = Infinity;
  let end = -Infinity;
  for (const p of packets) {
    first = Math.min(first, p.pts);
    end = Math.max(end, p.pts + p.duration);
  }
  return packets.length === 0
    ? { packets: 0, firstSeconds: 0, endSeconds: 0 }
    : { packets: packets.length, firstSeconds: first, endSeconds: end };
}

/**
 * Without the key, ffmpeg decodes encrypted samples into noise or grey frames and exits 0, or
 * fails on the header with an unrelated message: say what the file is, before any decoding.
 */
export function refuseEncrypted(
  streams: readonly ProbeStream[],
  iso: IsoBmffSummary | undefined,
): void {
  const protectedStreams = streams.filter(
    (s) =>
      s.tags?.enc_key_id !== undefined ||
      s.side_data_list?.some((d) => d.side_data_type === 'Encryption initialization data'),
  );
  if (!iso?.encryption && protectedStreams.length === 0) return;
  const scheme =
    iso?.encryption && iso.encryption.scheme !== 'unknown'
      ? ` (Common Encryption, ${iso.encryption.scheme})`
      : '';
  throw new EncryptedMediaError(
    `the source is encrypted (DRM)${scheme} and cannot be transcoded: upload the unencrypted master instead`,
  );
}

/**
 * Audio packets whose timestamps step by much less than each packet lasts overlap one another:
 * played by their timestamps they would be crushed into a fraction of their length.
 */
function audioTimestampsBroken(packets: readonly { pts: number; duration: number }[]): boolean {
  if (packets.length < 8) return false;
  const sorted = packets.map((p) => p.pts).sort((x, y) => x - y);
  const steps = sorted.slice(1).map((t, i) => t - sorted[i]!);
  const durations = packets.map((p) => p.duration).filter((d) => d > 0);
  if (durations.length < packets.length / 2) return false;
  return median(steps) < 0.5 * median(durations);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

function declaredVideoSeconds(v: ProbeStream, format: NonNullable<ProbeJson['format']>): number {
  return streamSeconds(v) || Number(format.duration) || 0;
}

/**
 * A stream's own duration: ffprobe's, else Matroska's per-track DURATION tag (`00:01:10.223…`,
 * what ffmpeg and mkvmerge write; ffprobe reports no stream duration for Matroska). Without it
 * a Matroska video would be measured by the file's duration, which a subtitle track that runs
 * past the video lengthens. 0 when unknown.
 */
export function streamSeconds(s: ProbeStream): number {
  const own = Number(s.duration);
  if (own > 0) return own;
  const tag = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(s.tags?.DURATION ?? s.tags?.duration ?? '');
  return tag ? Number(tag[1]) * 3600 + Number(tag[2]) * 60 + Number(tag[3]) : 0;
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

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
