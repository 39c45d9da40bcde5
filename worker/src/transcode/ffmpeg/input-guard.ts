/**
 * Demuxers a source may be read with: containers only. No playlists (hls, dash), concat
 * lists, image sequences or single images, devices, network protocols (sdp, rtsp) or raw
 * elementary streams; ffmpeg refuses anything else before it opens a second file.
 */
export const ALLOWED_DEMUXERS = [
  'mov', // mov,mp4,m4a,3gp,3g2,mj2
  'matroska', // matroska,webm
  'avi',
  'mpegts',
  'mpeg',
  'flv',
  'asf',
  'mxf',
  'ogg',
  'dv',
] as const;

/** For every ffmpeg and ffprobe that reads a source: local files and container demuxers only. */
export const INPUT_GUARD = [
  '-protocol_whitelist',
  'file',
  '-format_whitelist',
  ALLOWED_DEMUXERS.join(','),
] as const;

/** Quiet, no stdin, progress on stdout. */
export const RUN_OPTIONS = [
  '-hide_banner',
  '-nostdin',
  '-nostats',
  '-loglevel',
  'error',
  '-progress',
  'pipe:1',
] as const;

/** Flags every ffmpeg run that reads a source gets: the run options and the input guard. */
export const SAFE_INPUT_OPTIONS = [...RUN_OPTIONS, ...INPUT_GUARD] as const;
