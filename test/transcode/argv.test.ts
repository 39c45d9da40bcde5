import { execFile, execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import type { TranscodeInput } from '../../worker/src/transcode/inputs.ts';
import type { TranscodeResult } from '../../worker/src/transcode/finish/result.ts';
import { makeClip, type ClipSpec } from '../support/clips.ts';
import { runSplitJob } from '../support/transcoder.ts';
import { TEST_LIMITS } from '../support/media-tools.ts';

const run = promisify(execFile);

/**
 * Every ffmpeg and ffprobe command line the transcoder starts, for a matrix of sources (SD, HD,
 * 4K; 25, 29.97, 30 and 60 fps; HDR PQ and HLG; interlaced, declared and detected; rotated; with
 * and without audio and subtitles) and every operation (a single run; a split job's pieces,
 * chunks, audio and stitch), pinned as snapshots under __argv__/. They were recorded before the
 * transcode/ folder was redesigned and must not change with a change of structure: a change of
 * behaviour shows here as a diff to read, and is made on purpose (`vitest -u`) or not at all.
 *
 * The commands are recorded by wrappers around the machine's (Debian's) ffmpeg and ffprobe that
 * log their argv and working directory, then run the real tool: the transcoder runs for real on
 * clips generated in the run, as in production. Paths are written relative to the run's folder.
 * ffprobe calls that run side by side (one per rendition) are listed sorted; ffmpeg calls in the
 * order they ran. What the run made is summarised after them (no sizes or bit rates: those vary
 * with x264's threads).
 */
const onImageFfmpeg = process.env.TEST_FFMPEG_DIR !== undefined;

interface Call {
  readonly program: string;
  readonly cwd: string;
  readonly args: readonly string[];
}

/** ffmpeg and ffprobe wrappers that log each call into `<root>/calls/`, one file per call. */
function recorder(root: string) {
  const bin = join(root, 'bin');
  const calls = join(root, 'calls');
  mkdirSync(bin, { recursive: true });
  mkdirSync(calls, { recursive: true });
  const wrap = (name: string) => {
    const real = execFileSync('bash', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    const path = join(bin, name);
    writeFileSync(
      path,
      [
        '#!/usr/bin/env bash',
        `f=${JSON.stringify(calls)}/$(date +%s%N)-$$`,
        `printf '%s\\0' ${JSON.stringify(name)} "$PWD" "$@" > "$f.tmp" && mv "$f.tmp" "$f"`,
        `exec ${JSON.stringify(real)} "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(path, 0o755);
    return path;
  };
  const paths = { ffmpegPath: wrap('ffmpeg'), ffprobePath: wrap('ffprobe') };
  return {
    paths,
    /** The calls since the last take, oldest first. */
    take(): Call[] {
      const names = readdirSync(calls)
        .filter((n) => !n.endsWith('.tmp'))
        .sort();
      const taken = names.map((n) => {
        const [program, cwd, ...args] = readFileSync(join(calls, n), 'utf8').split('\0');
        rmSync(join(calls, n));
        args.pop(); // the empty string after the last NUL
        return { program: program!, cwd: cwd!, args };
      });
      return taken;
    },
  };
}

/** A snapshot's text: ffmpeg calls in order, then ffprobe calls sorted; the run folder as <tmp>. */
function render(root: string, calls: readonly Call[], extra: Record<string, unknown>): string {
  const relative = (s: string) => s.split(root).join('<tmp>');
  const block = (c: Call) =>
    [`${c.program} (in ${relative(c.cwd)})`, ...c.args.map((a) => `  ${relative(a)}`)].join('\n');
  const ffmpeg = calls.filter((c) => c.program === 'ffmpeg').map(block);
  const ffprobe = calls
    .filter((c) => c.program === 'ffprobe')
    .map(block)
    .sort();
  return [
    `# ffmpeg, in the order run (${ffmpeg.length})`,
    ...ffmpeg,
    '',
    `# ffprobe, sorted (${ffprobe.length})`,
    ...ffprobe,
    '',
    '# what the run made',
    relative(JSON.stringify(extra, null, 2)),
    '',
  ].join('\n');
}

/** What a run made, without what varies with x264's threads (sizes, bit rates). */
function summary(result: TranscodeResult) {
  return {
    source: result.source,
    audio: result.audio,
    warnings: result.warnings,
    renditions: result.renditions.map((r) => ({
      name: r.name,
      size: `${r.width}x${r.height}`,
      codecs: r.codecs,
      frameRate: r.frameRate,
      durationSeconds: r.durationSeconds,
      mp4: r.mp4?.key,
      hls: r.hls && {
        playlist: r.hls.playlist,
        segments: r.hls.segments,
        timeline: !!r.hls.timeline,
      },
      audio: r.audio,
    })),
    audioRenditions: result.audioRenditions.map((a) => ({
      name: a.name,
      kbps: a.kbps,
      channels: a.channels,
      sampleRate: a.sampleRate,
      segments: a.hls.segments,
    })),
    subtitles: {
      published: result.subtitles.published.map(({ cues, vtt, hlsPlaylist, id, name, kind }) => ({
        id,
        name,
        kind,
        cues,
        vtt,
        hlsPlaylist,
      })),
      leftOut: result.subtitles.leftOut,
    },
    loudness: result.loudness,
    masterPlaylist: result.masterPlaylist,
    dashManifest: result.dashManifest,
    poster: result.poster,
    thumbnails: result.thumbnails,
    files: result.files.map((f) => `${f.relativeKey} ${f.contentType}; ${f.cacheControl}`),
  };
}

type Request = TranscodeInput['request'];
const STANDARD: Request = { ladder: 'standard', formats: ['hls', 'mp4'], thumbnails: false };

/** A source with a SubRip track muxed in (Matroska), cached beside the clip. */
async function withSubtitles(clip: string): Promise<string> {
  const out = clip.replace(/\.\w+$/, '.srt.mkv');
  const srt = `${clip}.srt`;
  writeFileSync(
    srt,
    '1\n00:00:00,500 --> 00:00:01,500\nHello\n\n2\n00:00:01,600 --> 00:00:02,400\nAgain\n',
  );
  await run('ffmpeg', [
    ...['-v', 'error', '-i', clip, '-i', srt, '-map', '0', '-map', '1', '-c', 'copy'],
    ...['-metadata:s:s:0', 'language=eng', '-y', out],
  ]);
  return out;
}

const x264 = (...extra: string[]) => ['-c:v', 'libx264', '-preset', 'ultrafast', ...extra];
const hdr = (codec: string[], transfer: string) => [
  ...codec,
  ...['-pix_fmt', 'yuv420p10le', '-color_primaries', 'bt2020', '-color_trc', transfer],
  ...['-colorspace', 'bt2020nc'],
];
const interlaced = (size: string, seconds: number) =>
  `testsrc2=size=${size}:rate=50:duration=${seconds},tinterlace=mode=interleave_top,setfield=tff[out0]`;
const INTERLACED_X264 = x264(
  '-flags',
  '+ildct+ilme',
  '-x264-params',
  'interlaced=1:tff=1',
  '-pix_fmt',
  'yuv420p',
);

interface SingleCase {
  readonly name: string;
  readonly clip: ClipSpec;
  readonly subtitles?: boolean;
  readonly request?: Request;
}

const SINGLE: readonly SingleCase[] = [
  {
    name: 'sd-480p-29.97fps-audio',
    clip: { seconds: 2, width: 640, height: 480, fps: 30000 / 1001 },
  },
  {
    name: 'hd-1080p30-audio-subtitles-thumbnails',
    clip: { seconds: 2, width: 1920, height: 1080, fps: 30, container: 'mkv' },
    subtitles: true,
    request: { ...STANDARD, thumbnails: { intervalSeconds: 1 } },
  },
  {
    name: '4k-2160p25-no-audio-hls',
    clip: { seconds: 1, width: 3840, height: 2160, audio: false },
    request: { ...STANDARD, formats: ['hls'] },
  },
  { name: 'hd-1080p60-audio', clip: { seconds: 2, width: 1920, height: 1080, fps: 60 } },
  {
    name: 'hdr10-pq-hevc-720p-audio',
    clip: {
      seconds: 2,
      width: 1280,
      height: 720,
      outputOptions: hdr(
        [
          '-c:v',
          'libx265',
          '-preset',
          'ultrafast',
          '-x265-params',
          'log-level=error',
          '-tag:v',
          'hvc1',
        ],
        'smpte2084',
      ),
    },
  },
  {
    name: 'hdr-hlg-h264-10bit-720p-audio',
    clip: {
      seconds: 2,
      width: 1280,
      height: 720,
      outputOptions: hdr(x264('-profile:v', 'high10'), 'arib-std-b67'),
    },
  },
  {
    name: 'interlaced-1080i25-declared-audio',
    clip: {
      seconds: 2,
      width: 1920,
      height: 1080,
      video: interlaced('1920x1080', 2),
      outputOptions: INTERLACED_X264,
    },
  },
  {
    name: 'interlaced-576i-detected-by-idet',
    clip: {
      seconds: 3,
      width: 720,
      height: 576,
      video:
        'testsrc2=size=720x576:rate=50:duration=3,tinterlace=mode=interleave_top,setfield=prog[out0]',
    },
  },
  {
    name: 'rotated-phone-portrait-audio',
    clip: { seconds: 2, width: 1280, height: 720, fps: 30, rotate: 90 },
  },
  {
    name: 'sd-full-range-bt601-economy-loudness-thumbnails',
    clip: {
      seconds: 2,
      width: 640,
      height: 480,
      outputOptions: x264('-pix_fmt', 'yuvj420p', '-color_range', 'pc', '-colorspace', 'smpte170m'),
    },
    request: {
      ladder: 'economy',
      formats: ['hls', 'mp4'],
      thumbnails: { intervalSeconds: 1 },
      loudness: { targetLufs: -16, truePeakDb: -1.5 },
    },
  },
  {
    name: 'explicit-rungs-mp4-only-audio-none-subtitles-none',
    clip: { seconds: 2, width: 1280, height: 720 },
    request: {
      ladder: [{ height: 480, videoBitrateKbps: 900 }, { height: 240 }],
      formats: ['mp4'],
      thumbnails: false,
      audio: 'none',
      subtitles: 'none',
    },
  },
];

interface SplitCase {
  readonly name: string;
  readonly clip: ClipSpec;
  readonly subtitles?: boolean;
  readonly request: Request;
}

const SPLIT: readonly SplitCase[] = [
  {
    name: 'split-720p29.97-audio-thumbnails-loudness',
    clip: { seconds: 9, width: 1280, height: 720, fps: 30000 / 1001 },
    request: {
      ...STANDARD,
      thumbnails: { intervalSeconds: 2 },
      loudness: { targetLufs: -23, truePeakDb: -2 },
    },
  },
  {
    name: 'split-720p60-mkv-subtitles-late-audio',
    clip: {
      seconds: 9,
      width: 1280,
      height: 720,
      fps: 60,
      container: 'mkv',
      audioDelaySeconds: 0.0437,
    },
    subtitles: true,
    request: STANDARD,
  },
  {
    name: 'split-hdr-hlg-720p-no-audio-hls',
    clip: {
      seconds: 9,
      width: 1280,
      height: 720,
      audio: false,
      outputOptions: hdr(x264('-profile:v', 'high10'), 'arib-std-b67'),
    },
    request: { ...STANDARD, formats: ['hls'] },
  },
  {
    name: 'split-576i25-mpegts-whole-source-chunks',
    clip: {
      seconds: 9,
      width: 720,
      height: 576,
      container: 'ts',
      video: interlaced('720x576', 9),
      outputOptions: INTERLACED_X264,
    },
    request: { ...STANDARD, formats: ['mp4'] },
  },
];

/** The clip copied into the run's folder, so that every path in a command is under it. */
async function sourceIn(root: string, spec: ClipSpec, subtitles?: boolean): Promise<string> {
  let clip = await makeClip(spec);
  if (subtitles) clip = await withSubtitles(clip);
  const path = join(root, `source${extname(clip)}`);
  copyFileSync(clip, path);
  return path;
}

const signal = new AbortController().signal;
const snapshot = (name: string) => join(import.meta.dirname, '__argv__', `${name}.txt`);

describe.skipIf(onImageFfmpeg)('the ffmpeg commands the transcoder runs (snapshots)', () => {
  it.each(SINGLE)('a single run: $name', async ({ name, clip, subtitles, request }) => {
    const root = mkdtempSync(join(tmpdir(), 'kt-argv-'));
    const sourcePath = await sourceIn(root, clip, subtitles);
    const rec = recorder(root);
    const transcoder = new Transcoder({ paths: rec.paths, limits: TEST_LIMITS });
    const result = await transcoder.transcode({
      sourcePath,
      outDir: join(root, 'out'),
      request: request ?? STANDARD,
      signal,
    });
    await expect(render(root, rec.take(), summary(result))).toMatchFileSnapshot(snapshot(name));
    rmSync(root, { recursive: true, force: true });
  });

  it.each(SPLIT)('a split job: $name', async ({ name, clip, subtitles, request }) => {
    const root = mkdtempSync(join(tmpdir(), 'kt-argv-'));
    const sourcePath = await sourceIn(root, clip, subtitles);
    const rec = recorder(root);
    const transcoder = new Transcoder({ paths: rec.paths, limits: TEST_LIMITS });
    const sections: string[] = [];

    // As the split job's Jobs run it: the planner probes, plans and cuts the pieces, each
    // chunk's Job encodes its piece, the audio's Job its piece, and the stitch joins them.
    await runSplitJob(transcoder, {
      sourcePath,
      request,
      settings: { thresholdSeconds: 3, chunkSeconds: 4 },
      root,
      signal,
      onStep: (title, made) => {
        const { dir, result, ...rest } = made as {
          dir?: string;
          result?: TranscodeResult;
        } & Record<string, unknown>;
        // The audio's published tracks by name and segment count (their bytes vary by build).
        const audio = rest.audio as { hls?: { name: string; segments: unknown[] }[] } | undefined;
        if (audio?.hls) {
          rest.audio = {
            ...audio,
            hls: audio.hls.map((t) => ({ name: t.name, segments: t.segments.length })),
          };
        }
        const shown = result ? summary(result) : dir ? { ...rest, files: listTree(dir) } : rest;
        sections.push(`######## ${title}`, render(root, rec.take(), shown));
      },
    });
    await expect(sections.join('\n')).toMatchFileSnapshot(snapshot(name));
    rmSync(root, { recursive: true, force: true });
  });
});

function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}
