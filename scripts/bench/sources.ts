import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Synthetic stand-ins for what users upload, generated with ffmpeg's lavfi sources and encoded
 * the way their devices would, so decoding costs what it costs on real uploads:
 * - camera: detailed moving picture with sensor-like temporal noise, 1080p30 H.264 at ~16 Mbps
 *   (a phone's bitrate);
 * - screen: a static slide with a small moving window, 1080p30 at a screen recorder's low rate;
 * - animation: flat colours and hard edges in constant motion (cellular automaton), 1080p30;
 * - camera60: the camera picture at 60 fps (sports, games, phones' 60 fps mode), ~24 Mbps;
 * - hdr: the camera picture as a phone's HLG video: 10-bit, BT.2020, ARIB STD-B67 (tone-mapped).
 */
export interface BenchSource {
  readonly name: 'camera' | 'screen' | 'animation' | 'camera60' | 'hdr';
  readonly description: string;
  readonly path: string;
  readonly seconds: number;
}

const KINDS = {
  camera: {
    description: 'camera footage: detail, motion and sensor noise; H.264 16 Mbps',
    video: (s: number, h: number) =>
      `testsrc2=size=${(h * 16) / 9}x${h}:rate=30:duration=${s},noise=alls=6:allf=t+u`,
    encode: ['-preset', 'faster', '-b:v', '16M', '-maxrate', '20M', '-bufsize', '32M'],
  },
  screen: {
    description: 'screen recording: static slide, one moving window; H.264 ~2 Mbps',
    video: (s: number, h: number) =>
      `smptehdbars=size=1920x1080:rate=30:duration=${s}[bg];testsrc=size=480x270:rate=30:duration=${s}[win];[bg][win]overlay=x='200+mod(t*120,1200)':y=400,scale=${(h * 16) / 9}:${h}[out0]`,
    encode: ['-preset', 'faster', '-crf', '23', '-tune', 'stillimage'],
  },
  animation: {
    description: 'animation: flat colours, hard edges, constant motion; H.264 CRF 20',
    video: (s: number, h: number) =>
      `life=size=480x270:rate=30:mold=10:ratio=0.1:death_color=#C83232:life_color=#00ff00,scale=${(h * 16) / 9}:${h}:flags=neighbor,trim=duration=${s}[out0]`,
    encode: ['-preset', 'faster', '-crf', '20'],
  },
  camera60: {
    description: 'camera footage at 60 fps: detail, motion and sensor noise; H.264 24 Mbps',
    video: (s: number, h: number) =>
      `testsrc2=size=${(h * 16) / 9}x${h}:rate=60:duration=${s},noise=alls=6:allf=t+u`,
    encode: ['-preset', 'faster', '-b:v', '24M', '-maxrate', '30M', '-bufsize', '48M'],
  },
  hdr: {
    description: 'HLG phone video: 10-bit BT.2020 ARIB STD-B67, H.264 High 10 at 16 Mbps',
    video: (s: number, h: number) =>
      `testsrc2=size=${(h * 16) / 9}x${h}:rate=30:duration=${s},noise=alls=6:allf=t+u`,
    encode: [
      ...['-preset', 'faster', '-b:v', '16M', '-maxrate', '20M', '-bufsize', '32M'],
      ...['-profile:v', 'high10', '-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020'],
      ...['-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc'],
    ],
  },
} as const;

/** The sources the ladder is measured on by default: what most uploads are. */
export const LADDER_SOURCES = ['camera', 'screen', 'animation'] as const;

export async function benchSources(
  dir: string,
  seconds: number,
  names: readonly BenchSource['name'][] = LADDER_SOURCES,
  /** Picture height (16:9); the benchmark's sources are 1080p. */
  height = 1080,
): Promise<BenchSource[]> {
  mkdirSync(dir, { recursive: true });
  const sources: BenchSource[] = [];
  for (const name of names) {
    const kind = KINDS[name];
    const path = join(dir, `${name}-${height === 1080 ? '' : `${height}p-`}${seconds}s.mp4`);
    if (!existsSync(path)) {
      const tmp = `${path}.tmp.mp4`;
      await run('ffmpeg', [
        '-v',
        'error',
        '-f',
        'lavfi',
        '-i',
        kind.video(seconds, height),
        '-f',
        'lavfi',
        '-i',
        `sine=frequency=330:sample_rate=48000:duration=${seconds}`,
        '-c:v',
        'libx264',
        ...kind.encode,
        ...((kind.encode as readonly string[]).includes('-pix_fmt') ? [] : ['-pix_fmt', 'yuv420p']),
        '-c:a',
        'aac',
        '-b:a',
        '160k',
        '-shortest',
        '-y',
        tmp,
      ]);
      renameSync(tmp, path);
    }
    sources.push({ name, description: kind.description, path, seconds });
  }
  return sources;
}
