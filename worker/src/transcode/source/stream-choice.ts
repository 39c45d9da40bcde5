import type { ProbeStream } from '../ffmpeg/probe-json.ts';

/**
 * Which of a file's streams are the video and the audio to transcode. Files from phones and
 * cameras carry more than one of each: cover art, a still beside a motion photo, an empty
 * placeholder track, an auxiliary depth or timecode track, an audio track in a codec nothing
 * decodes. Pure: ffprobe's streams and the packets seen in, a choice and its reasons out.
 */

/** A codec ffmpeg has no name for is a codec it cannot decode. */
const UNKNOWN_CODECS = new Set([undefined, '', 'unknown', 'none']);

export interface VideoChoice {
  readonly stream: ProbeStream;
  /** Other video streams and why they were passed over, for the record. */
  readonly passedOver: readonly string[];
}

/**
 * The main video: a real picture track (not cover art or a timed thumbnail, a known codec, a
 * usable size) that has frames, preferring the longest (a motion photo's video over its still),
 * then the default track, then the most pixels. Undefined when there is no such track; `why`
 * then says what there was.
 */
export function chooseVideo(
  streams: readonly ProbeStream[],
  packetsPerStream: ReadonlyMap<number, number>,
  /** The packet sample covered the whole file, so a stream without packets is empty. */
  sawWholeFile: boolean,
): VideoChoice | { why: string } {
  const videos = streams.filter((s) => s.codec_type === 'video');
  const pictures = videos.filter(
    (s) => s.disposition?.attached_pic !== 1 && s.disposition?.timed_thumbnails !== 1,
  );
  if (pictures.length === 0) {
    const hasAudio = streams.some((s) => s.codec_type === 'audio');
    return {
      why:
        videos.length > 0
          ? 'the source has only cover art, no video stream'
          : hasAudio
            ? 'the source has audio but no video stream; only video files can be transcoded'
            : 'the source has no video stream',
    };
  }
  const passedOver: string[] = [];
  const usable = pictures.filter((s) => {
    const reason = unusableVideo(s, packetsPerStream, sawWholeFile);
    if (reason)
      passedOver.push(`#${s.index} ${s.codec_name ?? s.codec_tag_string ?? 'video'}: ${reason}`);
    return reason === undefined;
  });
  if (usable.length === 0) {
    const only = pictures.length === 1 ? pictures[0]! : undefined;
    const reason = only
      ? unusableVideo(only, packetsPerStream, sawWholeFile)!
      : passedOver.join('; ');
    return { why: `the source's video stream cannot be used: ${reason}` };
  }
  const ranked = [...usable].sort(
    (a, b) =>
      length(b, packetsPerStream) - length(a, packetsPerStream) ||
      (b.disposition?.default ?? 0) - (a.disposition?.default ?? 0) ||
      pixels(b) - pixels(a) ||
      a.index - b.index,
  );
  const [stream, ...others] = ranked;
  for (const o of others) {
    passedOver.push(
      `#${o.index} ${o.codec_name}: ${o.width}x${o.height}, ${describeLength(o, packetsPerStream)} beside the main video's ${describeLength(stream!, packetsPerStream)}`,
    );
  }
  return { stream: stream!, passedOver };
}

function unusableVideo(
  s: ProbeStream,
  packets: ReadonlyMap<number, number>,
  sawWholeFile: boolean,
): string | undefined {
  if (UNKNOWN_CODECS.has(s.codec_name)) {
    return `its codec${s.codec_tag_string && !s.codec_tag_string.startsWith('[') ? ` (${s.codec_tag_string})` : ''} cannot be decoded`;
  }
  if ((s.width ?? 0) < 2 || (s.height ?? 0) < 2) {
    return `no usable picture size (${s.width ?? 0}x${s.height ?? 0})`;
  }
  const declared = Number(s.nb_frames);
  if (s.nb_frames !== undefined && declared === 0) return 'it has no frames';
  if (sawWholeFile && (packets.get(s.index) ?? 0) === 0) return 'it has no frames';
  return undefined;
}

/** How much video a stream holds: frames seen or declared, then the declared duration. */
function length(s: ProbeStream, packets: ReadonlyMap<number, number>): number {
  const frames = Math.max(packets.get(s.index) ?? 0, Number(s.nb_frames) || 0);
  const seconds = Number(s.duration) || 0;
  // Frames first (a still track can declare a long duration), seconds to break ties.
  return frames * 1e6 + seconds;
}

function describeLength(s: ProbeStream, packets: ReadonlyMap<number, number>): string {
  const frames = Math.max(packets.get(s.index) ?? 0, Number(s.nb_frames) || 0);
  return `${frames} frame${frames === 1 ? '' : 's'}`;
}

function pixels(s: ProbeStream): number {
  return (s.width ?? 0) * (s.height ?? 0);
}

export interface AudioChoice {
  readonly stream?: ProbeStream;
  /** Set when the source has audio but no track this ffmpeg can decode. */
  readonly undecodable?: {
    readonly index: number;
    readonly codec: string;
    readonly reason: string;
  };
}

/** The default audio track among the decodable ones, else the first decodable one. */
export function chooseAudio(streams: readonly ProbeStream[]): AudioChoice {
  const audios = streams.filter((s) => s.codec_type === 'audio');
  const decodable = audios.filter((s) => undecodableAudio(s) === undefined);
  const stream = decodable.find((s) => s.disposition?.default === 1) ?? decodable[0];
  if (stream) return { stream };
  const first = audios[0];
  if (!first) return {};
  return {
    undecodable: {
      index: first.index,
      codec: codecLabel(first),
      reason: undecodableAudio(first)!,
    },
  };
}

function undecodableAudio(s: ProbeStream): string | undefined {
  if (UNKNOWN_CODECS.has(s.codec_name)) {
    return `the audio codec ${codecLabel(s)} cannot be decoded`;
  }
  if (!(Number(s.sample_rate) > 0) || !((s.channels ?? 0) > 0)) {
    return `the audio track (${codecLabel(s)}) has no sample description (rate ${s.sample_rate ?? '?'}, ${s.channels ?? 0} channels)`;
  }
  return undefined;
}

/** `fpcm`, `aac`: ffmpeg's codec name when it has one, else the container's four-character tag. */
export function codecLabel(s: ProbeStream): string {
  if (!UNKNOWN_CODECS.has(s.codec_name)) return s.codec_name!;
  const tag = s.codec_tag_string ?? '';
  return tag && !/^\[0\]/.test(tag) && /^[\x20-\x7e]+$/.test(tag) ? `"${tag}"` : 'of unknown type';
}
