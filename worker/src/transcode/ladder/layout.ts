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

/** Where a track's files go, relative to the output prefix. */
export const subtitleLayout = {
  /** The sidecar beside the MP4s (and the file the HLS rendition's playlist lists). */
  vtt: (id: string) => `subtitles/${id}.vtt`,
  hlsPlaylist: (id: string) => `hls/subtitles/${id}.m3u8`,
  /** The segment URI as the HLS playlist (in hls/subtitles/) names it. */
  hlsSegmentUri: (id: string) => `../../subtitles/${id}.vtt`,
} as const;
