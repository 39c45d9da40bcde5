import { execFile } from 'node:child_process';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface StreamInfo {
  codec_type: string;
  codec_name: string;
  profile?: string;
  width?: number;
  height?: number;
  pix_fmt?: string;
  level?: number;
  codec_tag_string?: string;
  channels?: number;
}

export async function probeFile(
  file: string,
): Promise<{ streams: StreamInfo[]; format: { duration?: string } }> {
  const { stdout } = await run('ffprobe', [
    '-v',
    'error',
    '-show_streams',
    '-show_format',
    '-of',
    'json',
    file,
  ]);
  return JSON.parse(stdout) as { streams: StreamInfo[]; format: { duration?: string } };
}

/**
 * The first video stream's packets in file (decode) order: presentation time and ffprobe's
 * flags (`K` a sync sample, `D` discarded: before the edit list's start, decoded and never shown).
 */
export async function videoPackets(file: string): Promise<{ pts: number; flags: string }[]> {
  const { stdout } = await run(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'packet=pts_time,flags',
      '-of',
      'csv=p=0',
      file,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout
    .trim()
    .split('\n')
    .map((line) => line.split(','))
    .map(([pts, flags]) => ({ pts: Number(pts), flags: flags ?? '' }));
}

/** Presentation times of the video keyframes, in seconds, to the millisecond. */
export async function keyframeTimes(file: string): Promise<number[]> {
  return (await videoPackets(file))
    .filter((p) => p.flags.includes('K'))
    .map((p) => Math.round(p.pts * 1000) / 1000)
    .sort((a, b) => a - b);
}

/** The top-level ISO-BMFF boxes of an MP4, in file order (ftyp, moov, mdat ...). */
export async function topLevelBoxes(file: string): Promise<string[]> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const boxes: string[] = [];
    const header = Buffer.alloc(16);
    for (let offset = 0; offset < size;) {
      await handle.read(header, 0, 16, offset);
      let length = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (length === 1) length = Number(header.readBigUInt64BE(8));
      if (length === 0) length = size - offset;
      if (length < 8) throw new Error(`bad box at ${offset}`);
      boxes.push(type);
      offset += length;
    }
    return boxes;
  } finally {
    await handle.close();
  }
}

/** Frames in a file's first video stream, counted from its packets. */
export async function frameCount(file: string): Promise<number> {
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', '-select_streams', 'v:0', '-count_packets'],
    ...['-show_entries', 'stream=nb_read_packets', '-of', 'csv=p=0', file],
  ]);
  return Number(stdout.trim());
}

/** The MD5 of a file's audio packets: the same bytes, or not. */
export async function audioDigest(file: string): Promise<string> {
  const { stdout } = await run('ffmpeg', [
    ...['-v', 'error', '-i', file, '-map', '0:a:0', '-c', 'copy', '-f', 'md5', '-'],
  ]);
  return stdout.trim();
}
