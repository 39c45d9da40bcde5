import { describe, expect, it } from 'vitest';
import { EncryptedMediaError, InvalidMediaError } from '../../base/errors.ts';
import type { ProbeJson } from '../ffmpeg/probe-json.ts';
import { interpretProbe, packetScanNeeded } from './probe.ts';

const video = (over: Record<string, unknown> = {}) => ({
  index: 0,
  codec_type: 'video',
  codec_name: 'h264',
  width: 1920,
  height: 1080,
  sample_aspect_ratio: '1:1',
  avg_frame_rate: '30000/1001',
  r_frame_rate: '30000/1001',
  pix_fmt: 'yuv420p',
  ...over,
});
const audio = {
  index: 1,
  codec_type: 'audio',
  codec_name: 'aac',
  channels: 2,
  sample_rate: '48000',
};
const probe = (streams: object[], duration = '10.5'): ProbeJson => ({
  streams: streams as ProbeJson['streams'],
  format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration, size: '123456' },
});

describe('interpretProbe', () => {
  it('reads a plain landscape video with audio', () => {
    const info = interpretProbe(probe([video(), audio]));
    expect(info.video).toMatchObject({
      displayWidth: 1920,
      displayHeight: 1080,
      rotation: 0,
      bitDepth: 8,
    });
    expect(info.video.frameRate).toBeCloseTo(29.97, 2);
    expect(info.audio).toEqual({ index: 1, codec: 'aac', channels: 2, sampleRate: 48_000 });
    expect(info.durationSeconds).toBe(10.5);
  });

  it('swaps the sides of a phone video rotated a quarter turn (display matrix)', () => {
    const info = interpretProbe(
      probe([
        video({ side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }),
        audio,
      ]),
    );
    expect(info.video).toMatchObject({
      width: 1920,
      height: 1080,
      displayWidth: 1080,
      displayHeight: 1920,
      rotation: 90,
    });
  });

  it('reads the legacy rotate tag too', () => {
    const info = interpretProbe(probe([video({ tags: { rotate: '270' } })]));
    expect(info.video).toMatchObject({ displayWidth: 1080, displayHeight: 1920, rotation: 270 });
  });

  it('squares anamorphic pixels (DVD 720x480 at 32:27)', () => {
    const info = interpretProbe(
      probe([video({ width: 720, height: 480, sample_aspect_ratio: '32:27' })]),
    );
    expect(info.video).toMatchObject({ displayWidth: 853, displayHeight: 480 });
  });

  it('spots 10-bit sources, and ignores timecode and cover art', () => {
    const info = interpretProbe(
      probe([
        video({ pix_fmt: 'yuv420p10le', codec_name: 'hevc' }),
        audio,
        { index: 2, codec_type: 'data', codec_name: 'tmcd' },
        { index: 3, codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
      ]),
    );
    expect(info.video).toMatchObject({ bitDepth: 10, codec: 'hevc' });
    expect(info.ignoredStreams).toEqual(['#2 data/tmcd', '#3 video/mjpeg']);
  });

  it.each([
    ['audio only', probe([audio]), /audio but no video stream/],
    ['nothing at all', probe([]), /no video stream/],
    ['only cover art', probe([video({ disposition: { attached_pic: 1 } })]), /only cover art/],
    ['no picture size', probe([video({ width: 0, height: 0 })]), /no usable picture size/],
    [
      'a video codec nothing decodes',
      probe([video({ codec_name: 'unknown', codec_tag_string: 'xyzw' })]),
      /codec \(xyzw\) cannot be decoded/,
    ],
  ])('refuses %s as invalid media', (_name, json, reason) => {
    expect(() => interpretProbe(json)).toThrow(InvalidMediaError);
    expect(() => interpretProbe(json)).toThrow(reason);
  });
});

/** Packets as ffprobe lists them: a stream's presentation times, with durations. */
const packets = (stream: number, times: readonly number[], duration = 0, flags = '') =>
  times.map((t) => ({
    stream_index: stream,
    pts_time: t.toFixed(6),
    duration_time: duration.toFixed(6),
    ...(flags ? { flags } : {}),
  }));
/** n frames at `fps`, from `start`, in B-frame decode order (I P B B), timestamps rounded to ms. */
const frames = (n: number, fps: number, start = 0, roundMs = true) => {
  const pts = Array.from({ length: n }, (_, i) => start + i / fps);
  const order = pts
    .map((_, i) => (i % 3 === 1 ? i + 1 : i % 3 === 2 ? i - 1 : i))
    .filter((i) => i < n);
  return order.map((i) => (roundMs ? Math.round(pts[i]! * 1000) / 1000 : pts[i]!));
};

it('refuses a still image: one frame that plays for no time', () => {
  const json = probe([video()], '0');
  const context = { scannedPackets: { packets: 1, firstSeconds: 0, endSeconds: 0 } };
  expect(packetScanNeeded(json)).toEqual({
    streamIndex: 0,
    why: 'the container states no duration',
  });
  expect(() => interpretProbe(json, context)).toThrow(InvalidMediaError);
  expect(() => interpretProbe(json, context)).toThrow(/no duration/);
});

describe('interpretProbe: what the container claims, checked against the packets', () => {
  it('takes 30 fps from the packets when Matroska reports its time base (1000/1) as the rate', () => {
    const json: ProbeJson = {
      ...probe([video({ avg_frame_rate: '1000/1', r_frame_rate: '60/1' }), audio], '4.0'),
      format: { format_name: 'matroska,webm', duration: '4.0', size: '500000' },
      packets: packets(0, frames(120, 30, 0.067), 0.001),
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.video.frameRate).toBe(30);
    expect(info.video.variableFrameRate).toBe(false);
    expect(info.notes.join()).toMatch(
      /30 fps, measured from the packets \(the container says 1000 fps/,
    );
  });

  it("keeps the container's exact rate when the packets agree (29.97 stays 30000/1001)", () => {
    const json = {
      ...probe([video()], '3.003'),
      packets: packets(0, frames(90, 30000 / 1001, 0, false), 1001 / 30000),
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.video.frameRate).toBe(30000 / 1001);
    expect(info.notes).toEqual([]);
  });

  it("reads a phone's variable frame rate as its nominal rate, and says it varies", () => {
    const times = [...frames(60, 30, 0, false)];
    // every fourth frame dropped for a while, as phones do in low light
    const vfr = times.filter((_, i) => i < 20 || i % 4 !== 0);
    const json = {
      ...probe([video({ avg_frame_rate: '25/1', r_frame_rate: '30/1' })]),
      packets: packets(0, vfr),
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.video.frameRate).toBe(30);
    expect(info.video.variableFrameRate).toBe(true);
  });

  it('finds the real duration of a fragmented MP4 whose header says 143,166 s', () => {
    const json: ProbeJson = {
      streams: [video({ duration: '143165.576500' })],
      format: {
        format_name: 'mov,mp4,m4a,3gp,3g2,mj2',
        duration: '143165.643233',
        size: '210000',
        start_time: '0',
      },
      packets: packets(0, frames(30, 30000 / 1001, 0, false), 1001 / 30000),
    };
    // The probe's packet sample covered the whole file: no scan needed.
    expect(packetScanNeeded(json, { packetWindow: 600 })).toBeUndefined();
    const info = interpretProbe(json, { packetWindow: 600, maxDurationSeconds: 14_400 });
    expect(info.video.durationSeconds).toBeCloseTo(1.001, 3);
    expect(info.durationSeconds).toBeCloseTo(1.001, 3);
    expect(info.notes.join()).toMatch(/duration 1\.001 s from the video packets/);
  });

  it('scans every packet when the sample did not reach the end of a doubtful file', () => {
    const json: ProbeJson = {
      streams: [video({ duration: '143165.5765' })],
      format: { format_name: 'mov,mp4,m4a,3gp,3g2,mj2', duration: '143165.6', size: '900000000' },
      packets: packets(0, frames(600, 30, 0, false), 1 / 30),
    };
    const context = { packetWindow: 600, maxDurationSeconds: 14_400 };
    expect(packetScanNeeded(json, context)).toEqual({
      streamIndex: 0,
      why: 'the container says 143165.577 s, over the limit',
    });
    expect(() => interpretProbe(json, context)).toThrow(/needs a packet scan first/);
    const info = interpretProbe(json, {
      ...context,
      scannedPackets: { packets: 54_000, firstSeconds: 0, endSeconds: 1800 },
    });
    expect(info.video.durationSeconds).toBe(1800);
  });

  it("measures a Matroska video by its track's DURATION tag, not by a subtitle track that runs on", () => {
    const json: ProbeJson = {
      streams: [
        video({ tags: { DURATION: '00:01:10.223000000' } }),
        { ...audio, tags: { DURATION: '00:01:10.101000000' } },
        { index: 2, codec_type: 'subtitle', codec_name: 'subrip', duration: '74.523' },
      ] as ProbeJson['streams'],
      format: { format_name: 'matroska,webm', duration: '74.523', size: '249033101' },
    };
    expect(packetScanNeeded(json, { maxDurationSeconds: 14_400 })).toBeUndefined();
    const info = interpretProbe(json, { maxDurationSeconds: 14_400 });
    expect(info.video.durationSeconds).toBeCloseTo(70.223, 3);
  });

  it("believes a plain file's header without a scan", () => {
    const json = {
      ...probe([video({ duration: '10.5' }), audio]),
      packets: packets(0, frames(300, 30)),
    };
    expect(
      packetScanNeeded(json, { packetWindow: 600, maxDurationSeconds: 14_400 }),
    ).toBeUndefined();
  });

  it('does not count the frames an edit list discards before its start', () => {
    const json: ProbeJson = {
      ...probe([video({ duration: '3.1' })], '3.1'),
      packets: [
        ...packets(0, [-1.3, -1.2667, -1.2333], 1 / 30, 'D'),
        ...packets(0, frames(93, 30, 0, false), 1 / 30),
      ],
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.video.durationSeconds).toBe(3.1);
    expect(info.notes).toEqual([]);
  });

  it("takes the motion photo's video, not its still, and says so", () => {
    const json: ProbeJson = {
      ...probe(
        [
          video({
            index: 0,
            codec_name: 'hevc',
            width: 1024,
            height: 768,
            nb_frames: '58',
            duration: '2.1',
          }),
          video({
            index: 1,
            codec_name: 'hevc',
            width: 2048,
            height: 1536,
            nb_frames: '1',
            duration: '0.47',
          }),
          { index: 2, codec_type: 'data', codec_name: 'unknown', codec_tag_string: 'mett' },
        ],
        '2.1',
      ),
    };
    const info = interpretProbe(json);
    expect(info.video).toMatchObject({ index: 0, width: 1024 });
    expect(info.notes.join()).toMatch(
      /video #1 hevc: 2048x1536, 1 frame beside the main video's 58 frames/,
    );
    expect(info.ignoredStreams).toEqual(['#1 video/hevc', '#2 data/"mett"']);
  });

  it('passes over a video track with no samples', () => {
    const json: ProbeJson = {
      ...probe(
        [
          video({ index: 0, duration: '0.97' }),
          video({ index: 1, duration: '1.07', avg_frame_rate: '0/0', r_frame_rate: '90000/1' }),
          audio,
        ],
        '1.07',
      ),
      packets: packets(0, frames(30, 30000 / 1001, 0, false), 1001 / 30000),
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.video.index).toBe(0);
    expect(info.notes.join()).toMatch(/#1 h264: it has no frames/);
  });

  it('goes on without an audio track nothing can decode, and names its codec', () => {
    const fpcm = {
      index: 1,
      codec_type: 'audio',
      codec_name: 'unknown',
      codec_tag_string: 'fpcm',
      channels: 1,
      sample_rate: '44100',
    };
    const info = interpretProbe(probe([video(), fpcm]));
    expect(info.audio).toBeUndefined();
    expect(info.undecodableAudio).toEqual({
      index: 1,
      codec: '"fpcm"',
      reason: 'the audio codec "fpcm" cannot be decoded',
    });
    const noDescription = {
      index: 1,
      codec_type: 'audio',
      codec_name: 'unknown',
      codec_tag_string: '[0][0][0][0]',
      channels: 0,
      sample_rate: '0',
    };
    expect(interpretProbe(probe([video(), noDescription])).undecodableAudio?.reason).toBe(
      'the audio codec of unknown type cannot be decoded',
    );
    // A decodable second track is taken instead.
    const both = interpretProbe(probe([video(), fpcm, { ...audio, index: 2 }]));
    expect(both.audio?.index).toBe(2);
    expect(both.undecodableAudio).toBeUndefined();
  });

  it('times audio by its samples when its timestamps do not advance with them (a broken AVI)', () => {
    const json: ProbeJson = {
      ...probe([video(), audio]),
      packets: [
        ...packets(0, frames(30, 30, 0, false), 1 / 30),
        ...packets(
          1,
          Array.from({ length: 40 }, (_, i) => i * 0.000261),
          0.026122,
        ),
      ],
    };
    const info = interpretProbe(json, { packetWindow: 600 });
    expect(info.audio?.retime).toBe(true);
    expect(
      interpretProbe({
        ...json,
        packets: [
          ...packets(
            1,
            Array.from({ length: 40 }, (_, i) => i * 0.026122),
            0.026122,
          ),
        ],
      }).audio?.retime,
    ).toBeUndefined();
  });

  it('knows when the video starts after the file does', () => {
    const json = {
      ...probe([video({ start_time: '1.4667' }), { ...audio, start_time: '0.7367' }]),
      format: { format_name: 'mpegts', duration: '0.83', size: '90000', start_time: '0.7367' },
    };
    expect(interpretProbe(json).video.startSeconds).toBe(0.73);
  });

  it.each([
    [
      'Common Encryption side data',
      probe([video({ side_data_list: [{ side_data_type: 'Encryption initialization data' }] })]),
      undefined,
    ],
    [
      'an encrypted WebM track',
      probe([video({ tags: { enc_key_id: 'AQIDBAUGBwgJEBESExQVFg==' } })]),
      undefined,
    ],
    [
      'encrypted sample entries in the boxes',
      probe([video()]),
      {
        topLevel: ['ftyp', 'moov'],
        fragmented: false,
        encryption: { scheme: 'cbcs', evidence: ['encv', 'tenc'] },
      },
    ],
  ])('refuses %s as encrypted, before any decoding', (_name, json, isoBmff) => {
    const context = isoBmff ? { isoBmff } : {};
    expect(() => interpretProbe(json, context)).toThrow(EncryptedMediaError);
    expect(() => interpretProbe(json, context)).toThrow(/encrypted \(DRM\).*cannot be transcoded/);
  });
});
