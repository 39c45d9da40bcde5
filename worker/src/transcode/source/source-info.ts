import type { PicturePath } from '../picture/picture-path.ts';
import type { SubtitlePlan } from './subtitle-tracks.ts';

/** What the ladder needs to know about a source, from ffprobe's JSON and the packets. */
export interface SourceInfo {
  readonly formatName: string;
  /** How long the source plays: the video's duration, or the file's when the audio runs on. */
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
    /** The nominal rate, checked against the packets (see frame-rate.ts); the outputs' rate. */
    readonly frameRate: number;
    readonly variableFrameRate: boolean;
    /** When the first video frame is shown, from the start of the file (ffmpeg's time 0). */
    readonly startSeconds: number;
    /** How long the video plays (checked against the packets when the container is doubtful). */
    readonly durationSeconds: number;
    /** Deinterlacing, tone mapping and the colours the scalers convert from (picture/). */
    readonly picture?: PicturePath;
  };
  readonly audio?: {
    readonly index: number;
    readonly codec: string;
    readonly channels: number;
    readonly sampleRate: number;
    /** BCP 47, when the track says (`eng` -> `en`). */
    readonly language?: string;
    /**
     * The track's timestamps do not advance with its samples (a broken AVI header): the
     * outputs time the audio by its sample count from its first timestamp instead.
     */
    readonly retime?: boolean;
  };
  /** The source has audio, but no track this ffmpeg can decode. */
  readonly undecodableAudio?: {
    readonly index: number;
    readonly codec: string;
    readonly reason: string;
  };
  /** The text subtitle tracks to convert, and the subtitle tracks that cannot be (subtitle-tracks.ts). */
  readonly subtitles: SubtitlePlan;
  /** Streams that are neither the video, the audio nor a subtitle track we use (timecode, data). */
  readonly ignoredStreams: readonly string[];
  /** Where the probe did not take the container's word, and why (for the job record). */
  readonly notes: readonly string[];
}
