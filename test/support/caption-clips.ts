import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CACHE = join(import.meta.dirname, '..', '..', '.local', 'clips');

/**
 * Sources with subtitles and captions as broadcasters and editors deliver them, generated in the
 * run: a Matroska file with SubRip and ASS tracks, an MP4 with a mov_text track, and H.264 with
 * CEA-608 captions in its SEI (ATSC A/53), which ffmpeg cannot write from text: the caption
 * bytes are put into the stream here, the way broadcast encoders carry them.
 */

async function cached(name: string, make: (tmp: string) => Promise<void>): Promise<string> {
  mkdirSync(CACHE, { recursive: true });
  const path = join(CACHE, name);
  if (existsSync(path)) return path;
  const tmp = `${path}.${randomUUID()}.tmp${name.slice(name.lastIndexOf('.'))}`;
  await make(tmp);
  renameSync(tmp, path);
  return path;
}

const ffmpeg = (args: string[]) => run('ffmpeg', ['-hide_banner', '-loglevel', 'error', ...args]);

/** What the subtitle tracks say, for the tests to compare with. */
export const SUBTITLE_CUES = {
  english: [
    { start: 1, end: 2.5, text: 'Hello from the English track' },
    { start: 4, end: 5.5, text: 'Second English line' },
  ],
  french: [{ start: 2, end: 3, text: 'Bonjour' }],
} as const;

function srt(cues: readonly { start: number; end: number; text: string }[]): string {
  const t = (s: number) => {
    const ms = Math.round(s * 1000);
    const hh = String(Math.floor(ms / 3_600_000)).padStart(2, '0');
    const mm = String(Math.floor((ms % 3_600_000) / 60_000)).padStart(2, '0');
    const ss = String(Math.floor((ms % 60_000) / 1000)).padStart(2, '0');
    return `${hh}:${mm}:${ss},${String(ms % 1000).padStart(3, '0')}`;
  };
  return cues.map((c, i) => `${i + 1}\n${t(c.start)} --> ${t(c.end)}\n${c.text}\n`).join('\n');
}

function ass(cues: readonly { start: number; end: number; text: string }[]): string {
  const t = (s: number) =>
    `0:${String(Math.floor(s / 60)).padStart(2, '0')}:${(s % 60).toFixed(2).padStart(5, '0')}`;
  return [
    '[Script Info]',
    'ScriptType: v4.00+',
    '',
    '[V4+ Styles]',
    'Format: Name, Fontname, Fontsize, PrimaryColour, Bold, Italic, Alignment',
    'Style: Default,Arial,20,&H00FFFFFF,0,0,2',
    '',
    '[Events]',
    'Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text',
    ...cues.map(
      (c) => `Dialogue: 0,${t(c.start)},${t(c.end)},Default,,0,0,0,,{\\i1}${c.text}{\\i0}`,
    ),
    '',
  ].join('\n');
}

async function basePicture(tmp: string, seconds: number, extra: string[] = []): Promise<void> {
  await ffmpeg([
    '-f',
    'lavfi',
    '-i',
    `testsrc2=size=320x240:rate=30:duration=${seconds}`,
    '-f',
    'lavfi',
    '-i',
    `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
    ...extra,
    '-y',
    tmp,
  ]);
}

/**
 * 6 s of 320x240 video with audio and two text subtitle tracks: SubRip in English (titled) and
 * ASS in French (with italics), in Matroska, the English one marked default.
 */
export function matroskaWithSubtitles(): Promise<string> {
  return cached('subs-srt-ass-v1.mkv', async (tmp) => {
    const dir = `${tmp}.d`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'en.srt'), srt(SUBTITLE_CUES.english));
    writeFileSync(join(dir, 'fr.ass'), ass(SUBTITLE_CUES.french));
    const video = join(dir, 'base.mp4');
    await basePicture(video, 6, ['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac']);
    await ffmpeg([
      '-i',
      video,
      '-i',
      join(dir, 'en.srt'),
      '-i',
      join(dir, 'fr.ass'),
      '-map',
      '0',
      '-map',
      '1',
      '-map',
      '2',
      '-c',
      'copy',
      '-metadata:s:s:0',
      'language=eng',
      '-metadata:s:s:0',
      'title=English (SDH)',
      '-metadata:s:s:1',
      'language=fra',
      '-disposition:s:0',
      'default',
      '-disposition:s:1',
      '0',
      '-y',
      tmp,
    ]);
  });
}

/**
 * 30 s of video and audio in Matroska with a SubRip track whose last cue ends at 38 s, as a
 * subtitle file made for a longer cut leaves it: the file lasts 38 s, the video 30. Long enough
 * that the probe's packet sample does not reach the end (the container's figures decide).
 */
export function matroskaSubtitlesPastTheEnd(): Promise<string> {
  return cached('subs-past-end-v2.mkv', async (tmp) => {
    const dir = `${tmp}.d`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'late.srt'),
      srt([
        { start: 1, end: 2, text: 'Within the video' },
        { start: 37, end: 38, text: 'After the video ends' },
      ]),
    );
    const video = join(dir, 'base.mp4');
    await ffmpeg([
      ...['-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=25:duration=30'],
      ...['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000:duration=30'],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-c:a', 'aac', '-y', video],
    ]);
    await ffmpeg([
      ...['-i', video, '-i', join(dir, 'late.srt'), '-map', '0', '-map', '1', '-c', 'copy'],
      ...['-y', tmp],
    ]);
  });
}

/** 6 s of video with a mov_text (3GPP timed text) track in Spanish, as phone editors write. */
export function mp4WithMovText(): Promise<string> {
  return cached('subs-mov-text-v1.mp4', async (tmp) => {
    const dir = `${tmp}.d`;
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'es.srt'), srt([{ start: 1, end: 3, text: 'Hola desde mov_text' }]));
    await basePicture(tmp, 6, [
      '-i',
      join(dir, 'es.srt'),
      '-map',
      '0',
      '-map',
      '1',
      '-map',
      '2',
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-c:a',
      'aac',
      '-c:s',
      'mov_text',
      '-metadata:s:s:0',
      'language=spa',
    ]);
  });
}

/** The caption shown, and when, in `cea608Captions`. */
export const CAPTION_CUES = [
  { start: 1, end: 2.5, text: 'HELLO WORLD' },
  { start: 3.5, end: 5, text: 'SECOND CAPTION' },
] as const;

/**
 * 6 s of 30 fps H.264 (no B-frames) with audio, whose frames carry CEA-608 pop-on captions
 * (field 1, CC1) in A/53 SEI: each caption is loaded off screen, shown by End Of Caption at its
 * start and erased at its end, every control code sent twice as broadcast does.
 */
export function cea608Captions(): Promise<string> {
  return cached('captions-cea608-v1.mp4', async (tmp) => {
    const fps = 30;
    const raw = `${tmp}.h264`;
    await ffmpeg([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=320x240:rate=${fps}:duration=6`,
      '-c:v',
      'libx264',
      '-preset',
      'ultrafast',
      '-bf',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-f',
      'h264',
      '-y',
      raw,
    ]);
    const pairs = new Map<number, [number, number]>();
    const at = (frame: number, ...codes: [number, number][]) =>
      codes.forEach((c, i) => pairs.set(frame + i, c));
    const RCL: [number, number] = [0x14, 0x20];
    const EOC: [number, number] = [0x14, 0x2f];
    const EDM: [number, number] = [0x14, 0x2c];
    const ENM: [number, number] = [0x14, 0x2e];
    const text = (s: string): [number, number][] => {
      const out: [number, number][] = [];
      for (let i = 0; i < s.length; i += 2) out.push([s.charCodeAt(i), s.charCodeAt(i + 1) || 0]);
      return out;
    };
    for (const cue of CAPTION_CUES) {
      const show = Math.round(cue.start * fps);
      const hide = Math.round(cue.end * fps);
      const load = [RCL, RCL, ENM, ENM, ...text(cue.text)];
      at(show - load.length - 2, ...load);
      at(show, EOC, EOC);
      at(hide, EDM, EDM);
    }
    writeFileSync(raw, withCaptionSei(readFileSync(raw), pairs));
    await ffmpeg([
      '-framerate',
      String(fps),
      '-i',
      raw,
      '-f',
      'lavfi',
      '-i',
      'sine=frequency=440:sample_rate=48000:duration=6',
      '-c:v',
      'copy',
      '-c:a',
      'aac',
      '-y',
      tmp,
    ]);
  });
}

/** Odd parity in bit 7, as CEA-608 bytes carry it. */
function parity(byte: number): number {
  let ones = 0;
  for (let b = byte & 0x7f; b; b >>= 1) ones += b & 1;
  return ones % 2 === 0 ? byte | 0x80 : byte & 0x7f;
}

/** An SEI NAL unit with one A/53 cc_data() of one field-1 CEA-608 pair. */
function captionSei([a, b]: [number, number]): Buffer {
  const payload = [
    0xb5, // ITU-T T.35 country: United States
    0x00,
    0x31, // provider: ATSC
    0x47,
    0x41,
    0x39,
    0x34, // "GA94"
    0x03, // cc_data
    0x40 | 1, // process_cc_data_flag, cc_count 1
    0xff, // em_data
    0xfc, // marker, cc_valid, cc_type 0 (NTSC field 1)
    parity(a),
    parity(b),
    0xff, // marker_bits
  ];
  const rbsp = [0x04, payload.length, ...payload, 0x80];
  const escaped: number[] = [];
  let zeros = 0;
  for (const byte of rbsp) {
    if (zeros >= 2 && byte <= 3) {
      escaped.push(3);
      zeros = 0;
    }
    escaped.push(byte);
    zeros = byte === 0 ? zeros + 1 : 0;
  }
  return Buffer.from([0, 0, 0, 1, 0x06, ...escaped]);
}

/**
 * The Annex B stream with a caption SEI before the slice of every frame that has a pair to send
 * (one slice per frame, no B-frames: frame n in decode order is frame n on screen).
 */
function withCaptionSei(stream: Buffer, pairs: ReadonlyMap<number, [number, number]>): Buffer {
  const starts: number[] = [];
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      starts.push(i > 0 && stream[i - 1] === 0 ? i - 1 : i);
      i += 2;
    }
  }
  const parts: Buffer[] = [];
  let frame = 0;
  for (const [k, start] of starts.entries()) {
    const end = starts[k + 1] ?? stream.length;
    const nal = stream.subarray(start, end);
    const header = nal[nal[2] === 1 ? 3 : 4]!;
    const type = header & 0x1f;
    if (type === 1 || type === 5) {
      const pair = pairs.get(frame);
      if (pair) parts.push(captionSei(pair));
      frame++;
    }
    parts.push(nal);
  }
  return Buffer.concat(parts);
}
