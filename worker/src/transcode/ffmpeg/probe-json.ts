/**
 * What ffprobe returns, as far as the worker reads it: its JSON (format, streams, the first
 * packets) and the summary of a packet scan. The adapter's vocabulary; the source stage
 * interprets it.
 */

export interface ProbeStream {
  index: number;
  codec_type?: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  level?: number;
  pix_fmt?: string;
  bits_per_raw_sample?: string;
  color_range?: string;
  color_space?: string;
  color_transfer?: string;
  color_primaries?: string;
  field_order?: string;
  width?: number;
  height?: number;
  sample_aspect_ratio?: string;
  avg_frame_rate?: string;
  r_frame_rate?: string;
  time_base?: string;
  start_time?: string;
  duration?: string;
  nb_frames?: string;
  channels?: number;
  sample_rate?: string;
  disposition?: {
    attached_pic?: number;
    default?: number;
    forced?: number;
    timed_thumbnails?: number;
  };
  tags?: Record<string, string>;
  side_data_list?: { side_data_type?: string; rotation?: number }[];
}

export interface ProbePacket {
  stream_index?: number;
  pts_time?: string;
  dts_time?: string;
  duration_time?: string;
  /** `K` keyframe, `D` discarded (before an edit list's start: decoded, never shown). */
  flags?: string;
}

export interface ProbeJson {
  streams?: ProbeStream[];
  format?: {
    format_name?: string;
    duration?: string;
    size?: string;
    nb_streams?: number;
    start_time?: string;
  };
  /** The first packets of the file (`-read_intervals %+#N`), all streams interleaved. */
  packets?: ProbePacket[];
  /** Added by the adapter: what ffprobe complained of while reading (it exits 0 regardless). */
  readErrors?: string[];
}

/** A packet scan of one stream (ffprobe.ts scanPackets). */
export interface PacketSpan {
  /** Video packets counted. */
  readonly packets: number;
  /** Earliest presentation time. */
  readonly firstSeconds: number;
  /** Latest presentation time plus that packet's duration. */
  readonly endSeconds: number;
}
