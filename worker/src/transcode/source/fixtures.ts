import type { SourceInfo } from './source-info.ts';

/** A SourceInfo for planning tests: landscape 1920x1080 at 30 fps with stereo audio. */
export function sourceInfo(over: Partial<SourceInfo['video']> = {}, audio = true): SourceInfo {
  const width = over.width ?? 1920;
  const height = over.height ?? 1080;
  return {
    formatName: 'mov,mp4,m4a,3gp,3g2,mj2',
    durationSeconds: 12,
    sizeBytes: 1_000_000,
    video: {
      index: 0,
      codec: 'h264',
      bitDepth: 8,
      width,
      height,
      displayWidth: width,
      displayHeight: height,
      rotation: 0,
      frameRate: 30,
      variableFrameRate: false,
      startSeconds: 0,
      durationSeconds: 12,
      ...over,
    },
    ...(audio ? { audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48_000 } } : {}),
    subtitles: { tracks: [], leftOut: [] },
    ignoredStreams: [],
    notes: [],
  };
}

/** A long source for split tests: 130 s of 720p at 29.97 fps with stereo audio. */
export const LONG_SOURCE = sourceInfo({
  width: 1280,
  height: 720,
  frameRate: 30000 / 1001,
  durationSeconds: 130,
});
