import { describe, expect, it } from 'vitest';
import { formatWebVtt, parseWebVtt, tidyCues } from './webvtt.ts';

describe('WebVTT', () => {
  it('merges a caption decoder’s repeats and drops empty and zero-length cues', () => {
    const cues = parseWebVtt(
      'WEBVTT\n\n00:00.000 --> 00:00.042\nHELLO\n\n00:00.042 --> 00:01.500\nHELLO\n\n' +
        'NOTE a comment\n\n1\n00:00:02.000 --> 00:00:02.000\nzero\n\n00:02.000 --> 00:03.000 align:start\n \n\n' +
        '00:01:03.250 --> 00:01:04.000\nLine one\nLine two\n',
    );
    expect(tidyCues(cues)).toEqual([
      { start: 0, end: 1.5, text: 'HELLO' },
      { start: 63.25, end: 64, text: 'Line one\nLine two' },
    ]);
    expect(formatWebVtt(tidyCues(cues))).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:01.500\nHELLO\n\n00:01:03.250 --> 00:01:04.000\nLine one\nLine two\n',
    );
    expect(() => parseWebVtt('1\n00:00:01,000 --> 00:00:02,000\nSRT\n')).toThrow(/not WebVTT/);
  });
});
