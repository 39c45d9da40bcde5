import { describe, expect, it } from 'vitest';
import { classifyFfmpegFailure } from './failure.ts';

describe('classifyFfmpegFailure', () => {
  it('names the stream ffmpeg has no decoder for', () => {
    expect(classifyFfmpegFailure('Decoder (codec none) not found for input stream #0:1\n')).toEqual(
      { kind: 'missing-decoder', codec: 'none', stream: 1 },
    );
  });

  it('turns "Error marking filters as finished" into what the decoder said about the input', () => {
    const stderr = [
      '[vp9 @ 0x5563] Invalid sync code',
      '    Last message repeated 1 times',
      '[vp9 @ 0x5563] Invalid frame marker',
      '[vp9 @ 0x5563] Invalid frame marker',
      'Error while decoding stream #0:0: Invalid data found when processing input',
      'Cannot determine format of input stream 0:0 after EOF',
      'Error marking filters as finished',
    ].join('\n');
    expect(classifyFfmpegFailure(stderr)).toEqual({
      kind: 'undecodable',
      stream: 0,
      detail: 'no frame of its vp9 video could be decoded (vp9: Invalid frame marker)',
    });
  });

  it('does not blame the source for our own filters and encoders', () => {
    const stderr =
      '[Parsed_scale_1 @ 0x1] out of memory\n[libx264 @ 0x2] broken\nError marking filters as finished\n';
    expect(classifyFfmpegFailure(stderr)).toEqual({
      kind: 'undecodable',
      detail: 'no frame of its video could be decoded',
    });
  });

  it('calls a container ffmpeg cannot read damaged', () => {
    expect(
      classifyFfmpegFailure(
        '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x1] moov atom not found\nsource.mp4: Invalid data found when processing input\n',
      ),
    ).toEqual({ kind: 'damaged', detail: 'invalid data in the container' });
  });

  it('keeps the last meaningful line of anything else', () => {
    expect(classifyFfmpegFailure('something odd\n    Last message repeated 3 times\n')).toEqual({
      kind: 'other',
      line: 'something odd',
    });
  });
});
