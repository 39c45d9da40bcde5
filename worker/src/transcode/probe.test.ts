import { describe, expect, it } from 'vitest';
import { InvalidMediaError } from '../errors.ts';
import { interpretProbe, type ProbeJson } from './probe.ts';

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

  it('spots variable frame rate and 10-bit sources, and ignores timecode and cover art', () => {
    const info = interpretProbe(
      probe([
        video({
          avg_frame_rate: '2997/100',
          r_frame_rate: '60/1',
          pix_fmt: 'yuv420p10le',
          codec_name: 'hevc',
        }),
        audio,
        { index: 2, codec_type: 'data', codec_name: 'tmcd' },
        { index: 3, codec_type: 'video', codec_name: 'mjpeg', disposition: { attached_pic: 1 } },
      ]),
    );
    expect(info.video).toMatchObject({ variableFrameRate: true, bitDepth: 10, codec: 'hevc' });
    expect(info.ignoredStreams).toEqual(['#2 data/tmcd', '#3 video/mjpeg']);
  });

  it.each([
    ['audio only', probe([audio]), /audio but no video stream/],
    ['nothing at all', probe([]), /no video stream/],
    ['two video streams', probe([video(), video({ index: 1 })]), /2 video streams/],
    ['a still image', probe([video()], '0'), /no duration/],
    ['no picture size', probe([video({ width: 0, height: 0 })]), /no usable picture size/],
  ])('refuses %s as invalid media', (_name, json, reason) => {
    expect(() => interpretProbe(json)).toThrow(InvalidMediaError);
    expect(() => interpretProbe(json)).toThrow(reason);
  });
});
