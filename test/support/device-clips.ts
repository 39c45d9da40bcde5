import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { makeClip } from './clips.ts';

const run = promisify(execFile);

/**
 * Generated stand-ins for what real devices and encoders write and plain test clips never
 * show: each reproduces one way a container's claims and its streams disagree (issue 17).
 * Made with the machine's ffmpeg, then, where ffmpeg would write a tidy file, patched at the
 * byte level the way the devices' files are. Cached beside makeClip's clips.
 */

/**
 * A derived clip, made once: `make(tmp)` writes the file at `tmp`. The name includes the base
 * clip's (content-addressed) name, so a changed base makes a new derivative.
 */
async function derived(
  base: string,
  name: string,
  ext: string,
  make: (tmp: string) => Promise<void> | void,
): Promise<string> {
  const path = join(dirname(base), `${base.split('/').pop()!.split('.')[0]}-${name}.${ext}`);
  if (existsSync(path)) return path;
  const tmp = `${path}.${randomUUID()}.tmp.${ext}`;
  await make(tmp);
  renameSync(tmp, path);
  return path;
}

/** Replaces every element with this EBML ID by a Void element of the same length. */
function voidEbmlElements(file: Buffer, id: readonly number[]): Buffer {
  const out = Buffer.from(file);
  for (let i = out.indexOf(Buffer.from(id)); i >= 0; i = out.indexOf(Buffer.from(id), i + 1)) {
    const sizeByte = out[i + id.length]!;
    if ((sizeByte & 0x80) === 0) continue; // only 1-byte sizes, as ffmpeg writes them
    const total = id.length + 1 + (sizeByte & 0x7f);
    out[i] = 0xec; // Void
    out[i + 1] = 0x80 | (total - 2);
    out.fill(0, i + 2, i + total);
  }
  return out;
}

/** Calls `patch(type, bodyOffset, bodySize)` for every box on the way to sample entries. */
function walkBoxes(
  file: Buffer,
  patch: (type: string, body: number, size: number) => void,
  from = 0,
  to = file.length,
): void {
  const containers = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl', 'mvex']);
  for (let at = from; at + 8 <= to;) {
    const size = file.readUInt32BE(at);
    const type = file.toString('latin1', at + 4, at + 8);
    if (size < 8) return;
    patch(type, at + 8, size - 8);
    if (containers.has(type)) walkBoxes(file, patch, at + 8, at + size);
    at += size;
  }
}

/**
 * Matroska as OBS and older muxers write it: no DefaultDuration on the video track and an
 * H.264 stream whose timing says 1000 ticks a second, so ffprobe's average frame rate comes out
 * as 500 fps while the frames run at 30.
 */
export async function matroskaWithoutFrameDurations(seconds = 4): Promise<string> {
  const base = await makeClip({ seconds, width: 640, height: 360, fps: 30 });
  return derived(base, 'no-default-duration', 'mkv', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      base,
      '-c',
      'copy',
      '-bsf:v',
      'h264_metadata=tick_rate=1000/1',
      '-y',
      `${tmp}.mkv`,
    ]);
    writeFileSync(tmp, voidEbmlElements(readFileSync(`${tmp}.mkv`), [0x23, 0xe3, 0x83]));
  });
}

/**
 * A fragmented MP4 whose track headers say "unknown duration" (all ones), which ffmpeg 5.1
 * reads as 143,166 s for a 30000 time scale: what some recorders write while recording.
 */
export async function fragmentedWithUnknownDuration(seconds = 4): Promise<string> {
  const base = await makeClip({ seconds, width: 640, height: 360, fps: 30 });
  return derived(base, 'fragmented-unknown-duration', 'mp4', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      base,
      '-c',
      'copy',
      '-movflags',
      'frag_keyframe+empty_moov+default_base_moof',
      '-frag_duration',
      '1000000',
      '-y',
      `${tmp}.mp4`,
    ]);
    const file = readFileSync(`${tmp}.mp4`);
    walkBoxes(file, (type, body) => {
      if (type === 'tkhd') file.writeUInt32BE(0xffffffff, body + 20);
      if (type === 'mdhd') file.writeUInt32BE(0xffffffff, body + 16);
    });
    writeFileSync(tmp, file);
  });
}

/**
 * A cut made by stream copy from a B-frame source: the edit list starts between sync samples,
 * so the decoder must start at the keyframe before and drop the frames before the edit, and
 * the audio's own edit starts elsewhere.
 */
export async function editListCut(): Promise<string> {
  const base = await makeClip({
    seconds: 8,
    width: 640,
    height: 360,
    fps: 30,
    outputOptions: [
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-g',
      '60',
      '-bf',
      '3',
      '-pix_fmt',
      'yuv420p',
    ],
  });
  return derived(base, 'edit-list-cut', 'mp4', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-ss',
      '1.3',
      '-i',
      base,
      '-t',
      '4',
      '-c',
      'copy',
      '-y',
      tmp,
    ]);
  });
}

/**
 * The same kind of cut of a phone's HDR video (issue 28): HLG (ARIB STD-B67, BT.2020) in 10-bit
 * HEVC with a long GOP (a keyframe every 3 s) and B-frames, cut 1.23 s in by stream copy, so the
 * edit list starts 37 frames past the keyframe the decoder must start from; with the default
 * `baseSeconds` the cut runs 2.77 s, as the reported file did.
 */
export async function hlgEditListCut(baseSeconds = 4): Promise<string> {
  const base = await makeClip({
    seconds: baseSeconds,
    width: 640,
    height: 360,
    fps: 30,
    outputOptions: [
      ...['-c:v', 'libx265', '-preset', 'ultrafast', '-tag:v', 'hvc1'],
      ...['-x265-params', 'keyint=90:min-keyint=90:bframes=3:log-level=error'],
      ...['-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020'],
      ...['-color_trc', 'arib-std-b67', '-colorspace', 'bt2020nc'],
    ],
  });
  return derived(base, 'hlg-edit-list-cut', 'mp4', async (tmp) => {
    await run('ffmpeg', ['-v', 'error', '-ss', '1.23', '-i', base, '-c', 'copy', '-y', tmp]);
  });
}

/** An MP4 whose audio sample entry is one ffmpeg 5.1 has no decoder for (`fpcm`, no `esds`). */
export async function undecodableAudio(): Promise<string> {
  const base = await makeClip({ seconds: 4, width: 320, height: 240, fps: 30 });
  return derived(base, 'fpcm-audio', 'mp4', (tmp) => {
    const file = readFileSync(base);
    walkBoxes(file, (type, body) => {
      if (type !== 'stsd') return;
      const entry = body + 8;
      if (file.toString('latin1', entry + 4, entry + 8) !== 'mp4a') return;
      file.write('fpcm', entry + 4, 'latin1');
      const esds = file.indexOf('esds', entry, 'latin1');
      if (esds > 0) file.write('xxxx', esds, 'latin1');
    });
    writeFileSync(tmp, file);
  });
}

/** Common Encryption (cenc, AES-CTR) as a packager writes it: `encv`, `tenc`, `senc`. */
export async function cencEncrypted(): Promise<string> {
  const base = await makeClip({ seconds: 4, width: 320, height: 240, fps: 30 });
  return derived(base, 'cenc', 'mp4', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      base,
      '-c',
      'copy',
      '-encryption_scheme',
      'cenc-aes-ctr',
      '-encryption_key',
      '76a6c65c5ea762046bd749a2e632ccbb',
      '-encryption_kid',
      'a7e61c373e219033c21091fa607bf3b8',
      '-y',
      tmp,
    ]);
  });
}

/** A motion photo's layout: a 4 s video and, beside it, a larger one-frame still track. */
export async function videoBesideAStill(): Promise<string> {
  const video = await makeClip({ seconds: 4, width: 640, height: 480, fps: 30 });
  const still = await makeClip({ seconds: 1, width: 1280, height: 960, fps: 1, audio: false });
  return derived(video, 'beside-a-still', 'mp4', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      still,
      '-i',
      video,
      '-map',
      '0:v',
      '-map',
      '1:v',
      '-map',
      '1:a',
      '-c',
      'copy',
      '-y',
      tmp,
    ]);
  });
}

/**
 * MPEG-TS whose video starts 0.73 s after the file does and lasts 0.1 s, beside audio that
 * runs on for 10 s: the container's duration says nothing about where the video is (a poster
 * taken 10% into the file would find no frame).
 */
export async function lateShortVideoTs(): Promise<string> {
  const audio = await makeClip({ seconds: 10, width: 160, height: 120, fps: 5 });
  const video = await makeClip({ seconds: 0.1, width: 320, height: 240, fps: 30, audio: false });
  return derived(video, 'late-short-video', 'ts', async (tmp) => {
    await run('ffmpeg', [
      '-v',
      'error',
      '-i',
      audio,
      '-itsoffset',
      '0.73',
      '-i',
      video,
      '-map',
      '1:v',
      '-map',
      '0:a',
      '-c',
      'copy',
      '-f',
      'mpegts',
      '-y',
      tmp,
    ]);
  });
}

/** An MP4 whose boxes are intact but whose video bitstream is noise. */
export async function undecodableVideo(): Promise<string> {
  const base = await makeClip({ seconds: 2, width: 320, height: 240, fps: 30, audio: false });
  return derived(base, 'noise-bitstream', 'mp4', (tmp) => {
    const file = readFileSync(base);
    walkBoxes(file, (type, body, size) => {
      if (type !== 'mdat') return;
      let x = 12345;
      for (let i = body; i < body + size; i++) {
        x = (x * 1103515245 + 12345) & 0x7fffffff;
        file[i] = x >> 16;
      }
    });
    writeFileSync(tmp, file);
  });
}
