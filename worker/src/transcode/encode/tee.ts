import { layout } from '../ladder/layout.ts';

/**
 * The outputs of ffmpeg's tee muxer that the runs write: each encoded stream muxed into several
 * files without a second encode. `selector` picks the streams (`v:0`, `v:1,a:0`).
 */

/**
 * The selected stream as fMP4 (CMAF) segments and their playlist under hls/<dir>/, cut at the
 * first keyframe past every `segmentSeconds` (ffmpeg's hls_time); a chunk of a long source
 * numbers its segments from `startNumber`, as the whole source's run would. `event`: ffmpeg
 * rewrites the playlist (atomically: a temporary file renamed) after every segment it completes,
 * which is how a run's segments are published while it goes on (progressive/watch.ts); a VOD playlist
 * is written only at the run's end. The published playlists are this worker's own either way.
 */
export function hlsTeeOutput(
  selector: string,
  dir: string,
  segmentSeconds: number,
  { startNumber = 0, playlistType = 'vod' }: HlsTeeOptions = {},
): string {
  return (
    `[f=hls:select=\\'${selector}\\':hls_time=${segmentSeconds}:hls_playlist_type=${playlistType}:hls_segment_type=fmp4` +
    (startNumber > 0 ? `:start_number=${startNumber}` : '') +
    `:hls_flags=independent_segments:hls_fmp4_init_filename=init.mp4` +
    `:hls_segment_filename=${layout.hlsSegmentPattern(dir)}]${layout.hlsPlaylist(dir)}`
  );
}

export interface HlsTeeOptions {
  readonly startNumber?: number;
  readonly playlistType?: 'vod' | 'event';
}

/** The selected streams as one MP4 at `target`; `faststart` puts the index first, for download. */
export function mp4TeeOutput(selector: string, target: string, faststart = false): string {
  return `[f=mp4:select=\\'${selector}\\'${faststart ? ':movflags=+faststart' : ''}]${target}`;
}
