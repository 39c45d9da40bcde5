/** The file layout of a job's outputs, relative to the output prefix. */
export const layout = {
  hlsDir: (rung: string) => `hls/${rung}`,
  hlsPlaylist: (rung: string) => `hls/${rung}/playlist.m3u8`,
  hlsSegmentPattern: (rung: string) => `hls/${rung}/seg_%05d.m4s`,
  hlsMaster: 'hls/master.m3u8',
  /** The DASH manifest over the HLS tree's CMAF segments (same files, second index). */
  dashManifest: 'hls/manifest.mpd',
  /** An audio rendition's directory name under hls/, by its bitrate. */
  audioRendition: (kbps: number) => `audio_${kbps}k`,
  mp4: (rung: string) => `mp4/${rung}.mp4`,
  poster: 'poster.jpg',
  thumbnailPattern: 'thumbnails/thumb_%05d.jpg',
  spritePattern: 'thumbnails/sprite_%03d.jpg',
  sprite: (n: number) => `sprite_${String(n).padStart(3, '0')}.jpg`,
  thumbnailIndex: 'thumbnails/thumbnails.vtt',
  /** A chunk's work, before the stitch (never published). */
  chunkDir: 'chunk',
  chunkVideo: (rung: string) => `chunk/${rung}.mp4`,
  chunkAudio: (kbps: number) => `chunk/audio_${kbps}k.m4a`,
} as const;

/** Content-Type and Cache-Control for every file the ladder writes, by its name. */
export interface OutputFileKind {
  readonly contentType: string;
  readonly cacheControl: string;
}

// Playlists may be rewritten if a job is re-run; segments and renditions never change under
// the same key within a job, so caches (CloudFront) can keep them for a year.
const SHORT = 'public, max-age=60';
const LONG = 'public, max-age=31536000, immutable';

export function outputFileKind(relativeKey: string): OutputFileKind {
  const ext = relativeKey.slice(relativeKey.lastIndexOf('.') + 1).toLowerCase();
  switch (ext) {
    case 'm3u8':
      return { contentType: 'application/vnd.apple.mpegurl', cacheControl: SHORT };
    case 'm4s':
      return { contentType: 'video/iso.segment', cacheControl: LONG };
    case 'mp4':
      return { contentType: 'video/mp4', cacheControl: LONG };
    case 'jpg':
    case 'jpeg':
      return { contentType: 'image/jpeg', cacheControl: LONG };
    case 'vtt':
      return { contentType: 'text/vtt', cacheControl: SHORT };
    case 'mpd':
      return { contentType: 'application/dash+xml', cacheControl: SHORT };
    case 'json':
      return { contentType: 'application/json', cacheControl: SHORT };
    default:
      return { contentType: 'application/octet-stream', cacheControl: SHORT };
  }
}
