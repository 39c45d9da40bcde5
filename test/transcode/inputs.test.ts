import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { JobRequest } from '../../worker/src/contract/message.ts';
import { parseMediaPlaylist } from '../../worker/src/transcode/package/hls.ts';
import { Transcoder } from '../../worker/src/transcode/transcoder.ts';
import { makeClip, type ClipSpec } from '../support/clips.ts';
import { readDash } from '../support/dash-check.ts';
import { strictHlsProblems } from '../support/hls-strict.ts';
import { keyframeTimes, probeFile, topLevelBoxes } from '../support/media.ts';
import { PRODUCT_PATHS, TEST_LIMITS } from '../support/media-tools.ts';

const run = promisify(execFile);

const transcoder = new Transcoder({ paths: PRODUCT_PATHS, limits: TEST_LIMITS });
const request: Pick<JobRequest, 'ladder' | 'formats' | 'thumbnails'> = {
  ladder: 'standard',
  formats: ['hls', 'mp4'],
  thumbnails: { intervalSeconds: 2 },
};

interface Case {
  readonly name: string;
  readonly clip: ClipSpec;
  /** The rungs expected: name and displayed size. */
  readonly rungs: readonly string[];
  readonly audioChannels?: number;
}

const x264 = (...extra: string[]) => ['-c:v', 'libx264', '-preset', 'ultrafast', ...extra];

/** Sources that must work, as users have them. */
const CASES: Case[] = [
  {
    name: 'odd dimensions (641x361, 4:4:4)',
    clip: { seconds: 9, width: 641, height: 361, outputOptions: x264('-pix_fmt', 'yuv444p') },
    rungs: ['360p 640x360', '240p 426x240', '144p 256x144'],
  },
  {
    name: 'a phone video rotated a quarter turn',
    clip: { seconds: 9, width: 640, height: 360, rotate: 90 },
    rungs: ['360p 360x640', '240p 240x426', '144p 144x256'],
  },
  {
    name: '4:3',
    clip: { seconds: 9, width: 640, height: 480 },
    rungs: ['480p 640x480', '360p 480x360', '240p 320x240', '144p 192x144'],
  },
  {
    name: '9:16 portrait',
    clip: { seconds: 9, width: 360, height: 640 },
    rungs: ['360p 360x640', '240p 240x426', '144p 144x256'],
  },
  {
    name: 'variable frame rate (30 fps, then 15 fps)',
    clip: {
      seconds: 9,
      width: 320,
      height: 240,
      video:
        'testsrc2=size=320x240:rate=30:duration=4.5[a];testsrc2=size=320x240:rate=15:duration=4.5[b];[a][b]concat=n=2:v=1:a=0[out0]',
      outputOptions: x264('-pix_fmt', 'yuv420p', '-fps_mode', 'vfr'),
    },
    rungs: ['240p 320x240', '144p 192x144'],
  },
  {
    name: 'no audio track',
    clip: { seconds: 9, width: 426, height: 240, audio: false },
    rungs: ['240p 426x240', '144p 256x144'],
  },
  {
    name: '10-bit HEVC',
    clip: {
      seconds: 9,
      width: 640,
      height: 360,
      outputOptions: [
        '-c:v',
        'libx265',
        '-preset',
        'ultrafast',
        '-pix_fmt',
        'yuv420p10le',
        '-tag:v',
        'hvc1',
        '-x265-params',
        'log-level=error',
      ],
    },
    rungs: ['360p 640x360', '240p 426x240', '144p 256x144'],
  },
  {
    // Android phones and screen recorders write AV1; the image's ffmpeg decodes it with dav1d.
    name: 'AV1 (SVT-AV1, as an Android screen recorder writes it)',
    clip: {
      seconds: 9,
      width: 640,
      height: 360,
      outputOptions: ['-c:v', 'libsvtav1', '-preset', '12', '-crf', '45', '-pix_fmt', 'yuv420p'],
    },
    rungs: ['360p 640x360', '240p 426x240', '144p 256x144'],
  },
  {
    name: 'smaller than 144p (160x90)',
    clip: { seconds: 9, width: 160, height: 90 },
    rungs: ['90p 160x90'],
  },
  {
    name: 'anamorphic (480x360 stored, 16:9 shown) with mono audio',
    clip: {
      seconds: 9,
      width: 480,
      height: 360,
      channels: 1,
      outputOptions: x264('-pix_fmt', 'yuv420p', '-vf', 'setsar=4/3'),
    },
    rungs: ['360p 640x360', '240p 426x240', '144p 256x144'],
    audioChannels: 1,
  },
];

describe('sources that must work', () => {
  it.each(CASES)('$name', async ({ clip, rungs, audioChannels }) => {
    const sourcePath = await makeClip(clip);
    const outDir = mkdtempSync(join(tmpdir(), 'ladder-'));
    const result = await transcoder.transcode({
      sourcePath,
      outDir,
      request,
      signal: new AbortController().signal,
    });

    // Every planned rung, at the planned size, none above the source.
    expect(result.renditions.map((r) => `${r.name} ${r.width}x${r.height}`)).toEqual(rungs);
    const { displayWidth, displayHeight } = result.source.video;
    for (const r of result.renditions) {
      expect(Math.min(r.width, r.height)).toBeLessThanOrEqual(
        Math.min(displayWidth, displayHeight),
      );
    }

    const keyframes: number[][] = [];
    for (const rendition of result.renditions) {
      const mp4 = join(outDir, rendition.mp4!.key);
      const probe = await probeFile(mp4);
      const video = probe.streams.find((s) => s.codec_type === 'video')!;
      expect(video).toMatchObject({
        codec_name: 'h264',
        profile: 'High',
        width: rendition.width,
        height: rendition.height,
        pix_fmt: 'yuv420p',
      });
      const audio = probe.streams.filter((s) => s.codec_type === 'audio');
      if (clip.audio === false) {
        expect(audio).toEqual([]);
      } else {
        expect(audio).toHaveLength(1);
        expect(audio[0]).toMatchObject({ codec_name: 'aac', channels: audioChannels ?? 1 });
      }
      expect(Number(probe.format.duration)).toBeCloseTo(clip.seconds, 0);
      // Progressive download: the index (moov) comes before the media (mdat).
      const boxes = await topLevelBoxes(mp4);
      expect(boxes.indexOf('moov')).toBeGreaterThan(-1);
      expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
      keyframes.push(await keyframeTimes(mp4));
    }
    // Keyframes at the same timestamps in every rung, at least one per 4 s segment.
    for (const times of keyframes.slice(1)) expect(times).toEqual(keyframes[0]);
    expect(keyframes[0]!.length).toBeGreaterThanOrEqual(Math.ceil(clip.seconds / 4));

    // HLS segments start on those keyframes, so any segment is a switch point.
    const media = parseMediaPlaylist(
      readFileSync(join(outDir, result.renditions[0]!.hls!.playlist), 'utf8'),
    );
    let start = 0;
    const segmentStarts = media.segments.map((s) => {
      const at = start;
      start += s.durationSeconds;
      return Math.round(at * 10) / 10;
    });
    const keyTimes = new Set(
      keyframes[0]!.map((t) => Math.round((t - keyframes[0]![0]!) * 10) / 10),
    );
    for (const at of segmentStarts)
      expect(keyTimes.has(at), `segment at ${at}s starts on a keyframe`).toBe(true);
    expect(media.ended).toBe(true);

    // The master playlist lists every rung with the attributes players use to choose.
    expect(strictHlsProblems(join(outDir, result.masterPlaylist!))).toEqual([]);

    // The same segments as DASH: every file the manifest lists exists and none is unlisted,
    // every track covers the duration, and the video timeline is the HLS playlist's, exactly.
    const dash = readDash(join(outDir, result.dashManifest!));
    expect(dash.problems).toEqual([]);
    const dashVideo = dash.tracks.filter((t) => t.contentType === 'video');
    expect(dashVideo.map((t) => t.id).sort()).toEqual(result.renditions.map((r) => r.name).sort());
    const topTimeline = dashVideo.find((t) => t.id === result.renditions[0]!.name)!.segments;
    expect(topTimeline[0]!.start).toBe(0);
    expect(topTimeline).toHaveLength(media.segments.length);
    for (const [i, t] of topTimeline.entries())
      expect(t.duration).toBeCloseTo(media.segments[i]!.durationSeconds, 3);
    const dashAudio = dash.tracks.filter((t) => t.contentType === 'audio');
    if (clip.audio === false) {
      expect(dashAudio).toEqual([]);
      expect(result.audioRenditions).toEqual([]);
    } else {
      // Audio once per bitrate, a rendition of its own, starting with the video.
      expect(dashAudio.map((t) => t.id).sort()).toEqual(
        result.audioRenditions.map((a) => a.name).sort(),
      );
      for (const a of dashAudio) expect(a.segments[0]!.start).toBe(0);
      expect(new Set(result.renditions.map((r) => r.audio)).size).toBe(
        result.audioRenditions.length,
      );
    }
    const master = readFileSync(join(outDir, result.masterPlaylist!), 'utf8');
    const entries = [...master.matchAll(/#EXT-X-STREAM-INF:([^\n]+)\n([^\n]+)/g)].map((m) => ({
      attrs: Object.fromEntries(
        [...m[1]!.matchAll(/([A-Z-]+)=("[^"]*"|[^,]*)/g)].map((a) => [
          a[1]!,
          a[2]!.replace(/"/g, ''),
        ]),
      ),
      uri: m[2],
    }));
    expect(entries.map((e) => e.uri)).toEqual(
      result.renditions.map((r) => `${r.name}/playlist.m3u8`),
    );
    for (const [i, r] of result.renditions.entries()) {
      const attrs = entries[i]!.attrs;
      expect(attrs.RESOLUTION).toBe(`${r.width}x${r.height}`);
      expect(attrs.CODECS).toMatch(
        clip.audio === false ? /^avc1\.6400[0-9a-f]{2}$/ : /^avc1\.6400[0-9a-f]{2},mp4a\.40\.2$/,
      );
      expect(Number(attrs.BANDWIDTH)).toBeGreaterThanOrEqual(Number(attrs['AVERAGE-BANDWIDTH']));
      expect(Number(attrs['AVERAGE-BANDWIDTH'])).toBeGreaterThan(0);
      expect(Number(attrs['FRAME-RATE'])).toBeGreaterThan(0);
    }

    // A poster, and thumbnails with their sprite index.
    expect(result.files.map((f) => f.relativeKey)).toEqual(
      expect.arrayContaining([
        'poster.jpg',
        'thumbnails/thumbnails.vtt',
        'thumbnails/sprite_000.jpg',
        'thumbnails/thumb_00000.jpg',
      ]),
    );
    const vtt = readFileSync(join(outDir, 'thumbnails/thumbnails.vtt'), 'utf8');
    expect(vtt.match(/-->/g)?.length).toBe(result.thumbnails!.count);
  });
});

describe('a 60 fps source', () => {
  it('keeps 60 fps in the 720p rung and every other frame below, keyframes on the same instants', async () => {
    const sourcePath = await makeClip({ seconds: 8.5, width: 1280, height: 720, fps: 60 });
    const outDir = mkdtempSync(join(tmpdir(), 'ladder-60-'));
    const result = await transcoder.transcode({
      sourcePath,
      outDir,
      request: { ...request, ladder: [{ height: 720 }, { height: 360 }, { height: 144 }] },
      signal: new AbortController().signal,
    });
    expect(result.renditions.map((r) => [r.name, r.frameRate])).toEqual([
      ['720p', 60],
      ['360p', 30],
      ['144p', 30],
    ]);
    const frames = async (file: string) => {
      const { stdout } = await run('ffprobe', [
        ...['-v', 'error', '-select_streams', 'v:0', '-count_frames'],
        ...['-show_entries', 'stream=nb_read_frames,avg_frame_rate', '-of', 'csv=p=0', file],
      ]);
      return stdout.trim();
    };
    const mp4 = (r: number) => join(outDir, result.renditions[r]!.mp4!.key);
    expect(await frames(mp4(0))).toBe('60/1,510');
    expect(await frames(mp4(1))).toBe('30/1,255');
    expect(await frames(mp4(2))).toBe('30/1,255');
    // Switching between the rates is seamless: keyframes at 0, 4 and 8 s in every rung.
    for (const r of [0, 1, 2]) expect(await keyframeTimes(mp4(r))).toEqual([0, 4, 8]);
    const master = readFileSync(join(outDir, result.masterPlaylist!), 'utf8');
    expect(master).toMatch(/RESOLUTION=1280x720,[^\n]*FRAME-RATE=60\.000/);
    expect(master).toMatch(/RESOLUTION=640x360,[^\n]*FRAME-RATE=30\.000/);
    expect(strictHlsProblems(join(outDir, result.masterPlaylist!))).toEqual([]);
  });
});
