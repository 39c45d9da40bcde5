import { childOf, formatS3Uri, type S3Location } from '../../contract/s3-uri.ts';
import type { RenditionSummary } from '../../transcode/package/rendition.ts';
import type { TranscodeResult } from '../../transcode/finish/result.ts';

/** A rendition as the record shows it: the transcoder's summary, with S3 URIs for its files. */
export type PublishedRendition = Pick<
  RenditionSummary,
  'name' | 'codec' | 'width' | 'height' | 'codecs' | 'averageBitrateKbps' | 'peakBitrateKbps'
> & {
  readonly mp4?: { readonly uri: string; readonly bytes: number };
  /** The rung's video as HLS and DASH serve it; `playlist` is the playlist's S3 URI. */
  readonly hls?: { readonly playlist: string; readonly segments: number; readonly bytes: number };
  /** The audio rendition it plays with (`audio_128k`), listed under `audio`. */
  readonly audio?: string;
};

/** What a finished job records: where everything went, how big, how long it took. */
export interface JobResultSummary {
  readonly output: string;
  readonly master?: string;
  /** The DASH manifest over the same segments as the master playlist. */
  readonly dash?: string;
  readonly poster: string;
  readonly durationSeconds: number;
  readonly source: {
    readonly bytes: number;
    readonly container: string;
    readonly codec: string;
    readonly width: number;
    readonly height: number;
    readonly frameRate: number;
    /** Whether the outputs carry the source's audio. */
    readonly audio: boolean;
    /** Where the probe did not take the container's word (frame rate, duration, tracks). */
    readonly notes?: readonly string[];
  };
  /** The subtitle and caption tracks published as WebVTT (sidecar and HLS rendition). */
  readonly subtitles?: readonly {
    readonly id: string;
    readonly name: string;
    readonly language?: string;
    /** `subtitles` (a track of the source) or `captions` (CEA-608 in its video). */
    readonly kind: 'subtitles' | 'captions';
    readonly from: string;
    readonly cues: number;
    readonly vtt: string;
    readonly hls?: string;
  }[];
  /** The loudness the audio was normalized to (LUFS, dBTP), and the source's as measured. */
  readonly loudness?: {
    readonly targetLufs: number;
    readonly truePeakDb: number;
    readonly sourceLufs: number;
    readonly sourceTruePeakDb: number;
    readonly sourceRangeLu: number;
  };
  /** Which of the source's tracks were used, and every one left out with why. */
  readonly tracks: {
    readonly video: string;
    readonly audio?: string;
    readonly leftOut?: readonly string[];
  };
  /** What the person who sent the job should know about the outputs (audio left out, ...). */
  readonly warnings?: readonly string[];
  readonly renditions: readonly PublishedRendition[];
  /** With HLS: the audio renditions the rungs share, once per bitrate. */
  readonly audio?: readonly {
    readonly name: string;
    readonly bitrateKbps: number;
    readonly channels: number;
    readonly sampleRate: number;
    readonly hls: { readonly playlist: string; readonly segments: number; readonly bytes: number };
  }[];
  /** A long source split across many Jobs: how many chunks, how long each. */
  readonly split?: { readonly chunks: number; readonly chunkSeconds: number };
  readonly files: number;
  readonly bytes: number;
  readonly timings: {
    readonly downloadMs: number;
    readonly transcodeMs: number;
    readonly uploadMs: number;
  };
}

export function summarize(
  output: S3Location,
  sourceBytes: number,
  result: TranscodeResult,
  timings: JobResultSummary['timings'],
): JobResultSummary {
  const uri = (relativeKey: string) => formatS3Uri(childOf(output, relativeKey));
  const { video } = result.source;
  return {
    output: formatS3Uri(output),
    ...(result.masterPlaylist ? { master: uri(result.masterPlaylist) } : {}),
    ...(result.dashManifest ? { dash: uri(result.dashManifest) } : {}),
    poster: uri(result.poster),
    durationSeconds: result.source.durationSeconds,
    source: {
      bytes: sourceBytes,
      container: result.source.formatName,
      codec: video.codec,
      width: video.displayWidth,
      height: video.displayHeight,
      frameRate: Math.round(video.frameRate * 1000) / 1000,
      audio: result.audio === 'encoded',
      ...(result.source.notes.length > 0 ? { notes: result.source.notes } : {}),
    },
    ...(result.subtitles.published.length > 0
      ? {
          subtitles: result.subtitles.published.map((t) => ({
            id: t.id,
            name: t.name,
            ...(t.language ? { language: t.language } : {}),
            kind: t.kind,
            from:
              t.streamIndex === undefined
                ? 'CEA-608 captions in the video (CC1)'
                : `#${t.streamIndex} ${t.codec}`,
            cues: t.cues,
            vtt: uri(t.vtt),
            ...(t.hlsPlaylist ? { hls: uri(t.hlsPlaylist) } : {}),
          })),
        }
      : {}),
    ...(result.loudness
      ? {
          loudness: {
            targetLufs: result.loudness.targetLufs,
            truePeakDb: result.loudness.truePeakDb,
            sourceLufs: result.loudness.measured.integratedLufs,
            sourceTruePeakDb: result.loudness.measured.truePeakDb,
            sourceRangeLu: result.loudness.measured.rangeLu,
          },
        }
      : {}),
    tracks: describeTracks(result),
    ...(result.warnings.length > 0 ? { warnings: result.warnings } : {}),
    renditions: result.renditions.map((r) => ({
      name: r.name,
      codec: r.codec,
      width: r.width,
      height: r.height,
      codecs: r.codecs,
      averageBitrateKbps: r.averageBitrateKbps,
      peakBitrateKbps: r.peakBitrateKbps,
      ...(r.mp4 ? { mp4: { uri: uri(r.mp4.key), bytes: r.mp4.size } } : {}),
      ...(r.hls
        ? { hls: { playlist: uri(r.hls.playlist), segments: r.hls.segments, bytes: r.hls.bytes } }
        : {}),
      ...(r.audio ? { audio: r.audio } : {}),
    })),
    ...(result.audioRenditions.length > 0
      ? {
          audio: result.audioRenditions.map((a) => ({
            name: a.name,
            bitrateKbps: a.hls.averageKbps,
            channels: a.channels,
            sampleRate: a.sampleRate,
            hls: { playlist: uri(a.hls.playlist), segments: a.hls.segments, bytes: a.hls.bytes },
          })),
        }
      : {}),
    files: result.files.length,
    bytes: result.files.reduce((sum, f) => sum + f.size, 0),
    timings,
  };
}

/** The tracks taken, and each one left out with its reason (or "not used"). */
function describeTracks(result: TranscodeResult): JobResultSummary['tracks'] {
  const { source } = result;
  const reasons = new Map<number, string>();
  for (const t of [...source.subtitles.leftOut, ...result.subtitles.leftOut]) {
    if (t.streamIndex !== undefined) reasons.set(t.streamIndex, `subtitle/${t.codec}: ${t.reason}`);
  }
  if (source.undecodableAudio) {
    const a = source.undecodableAudio;
    reasons.set(a.index, `audio/${a.codec}: ${a.reason}`);
  }
  if (source.audio && result.audio === 'omitted') {
    reasons.set(source.audio.index, `audio/${source.audio.codec}: the job asked for no audio`);
  } else if (source.audio && result.audio === 'undecodable') {
    reasons.set(source.audio.index, `audio/${source.audio.codec}: it could not be decoded`);
  }
  const leftOut = source.ignoredStreams
    .filter((s) => !reasons.has(indexOf(s)))
    .map((s) => `${s}: not used`);
  for (const [index, reason] of [...reasons].sort(([a], [b]) => a - b)) {
    leftOut.push(`#${index} ${reason}`);
  }
  leftOut.sort((a, b) => indexOf(a) - indexOf(b));
  return {
    video: `#${source.video.index} ${source.video.codec} ${source.video.width}x${source.video.height}`,
    ...(source.audio && result.audio === 'encoded'
      ? { audio: `#${source.audio.index} ${source.audio.codec}, ${source.audio.channels} ch` }
      : {}),
    ...(leftOut.length > 0 ? { leftOut } : {}),
  };
}

function indexOf(described: string): number {
  return Number(/^#(\d+)/.exec(described)?.[1] ?? -1);
}
