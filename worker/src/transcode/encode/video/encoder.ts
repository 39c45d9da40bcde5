import type { ProbeStream } from '../../ffmpeg/probe-json.ts';
import type { VideoCodec } from '../../../contract/ladder-presets.ts';
import type { PlannedRung } from '../../ladder/ladder.ts';

/**
 * The seam between the ladder and a codec: everything a run needs to know to encode a rung's
 * video with one encoder, and to describe what it wrote. One file per codec implements it
 * (h264.ts: x264); the argument builders (ladder-run.ts) add the stream specifiers, so an
 * encoder speaks in plain option names.
 */

/** An ffmpeg option without its stream specifier: `['crf', '23']` is written `-crf:v:0 23`. */
export type EncoderOption = readonly [name: string, value: string];

/** Where every rung's keyframes go: on the segment grid of the whole source, in every codec. */
export interface KeyframeGrid {
  /** ffmpeg's `force_key_frames` value: a keyframe at each segment boundary. */
  readonly forceExpression: string;
  /** Frames in one segment at the source's rate. */
  readonly segmentFrames: number;
}

/** What the run around a rung's encode is: what the encoder may be asked besides the picture. */
export interface EncodeContext {
  /** Carry the CEA-608 captions of the source's video into the rung; false strips them. */
  readonly keepCaptions?: boolean;
  /** The run is a chunk after the first: it continues a stream another Job began. */
  readonly continuesStream: boolean;
}

/** What a finished rendition's video is read as: ffprobe's view and its configuration record. */
export interface WrittenStream {
  readonly stream?: Pick<ProbeStream, 'profile' | 'level'>;
  /** The payload of its `avcC`, `hvcC` or `av1C` box. */
  readonly record?: Uint8Array;
}

export interface VideoEncoder {
  /** The codec, as the record and the CODECS strings name its family (`h264`). */
  readonly codec: VideoCodec;
  /** The ffmpeg encoder it needs (`libx264`): a worker whose ffmpeg lacks it refuses the codec. */
  readonly ffmpegEncoder: string;
  /** The encoder and its settings, for logs and the benchmark (`x264 veryfast`). */
  readonly label: string;
  /** The pixel format frames are handed over in: each rung's filter chain ends with it. */
  readonly pixelFormat: string;
  /** Options for every stream this encoder writes in a run: speed, profile, keyframes. */
  sharedOptions(keyframes: KeyframeGrid): readonly EncoderOption[];
  /** One rung's options: the encoder itself and its rate control (capped quality), threads. */
  rungOptions(rung: PlannedRung): readonly EncoderOption[];
  /**
   * Options that depend on the run (captions kept, a chunk's rate-control start), and the
   * encoder's own parameter string (`-x265-params`), which is one option and so is written
   * whole here; after the audio's options.
   */
  contextOptions(context: EncodeContext): readonly EncoderOption[];
  /**
   * The RFC 6381 codec string (HLS CODECS, DASH @codecs) of a stream it wrote: from its codec
   * configuration record (files/iso-bmff.ts) where the string needs its fields, else as
   * ffprobe reads the stream.
   */
  codecString(written: WrittenStream): string;
}

/** The encoder of each codec a worker can write. */
export type Encoders = Readonly<Record<VideoCodec, VideoEncoder>>;
