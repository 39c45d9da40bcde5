import { describe, expect, it } from 'vitest';
import { buildThumbnailVtt } from './thumbnail-index.ts';

describe('buildThumbnailVtt', () => {
  it('points each interval at its cell, moving to the next sheet when one is full', () => {
    const vtt = buildThumbnailVtt({
      count: 5,
      intervalSeconds: 10,
      durationSeconds: 43.5,
      width: 160,
      height: 90,
      columns: 2,
      rows: 2,
    });
    expect(vtt).toBe(
      [
        'WEBVTT',
        '',
        '00:00:00.000 --> 00:00:10.000',
        'sprite_000.jpg#xywh=0,0,160,90',
        '',
        '00:00:10.000 --> 00:00:20.000',
        'sprite_000.jpg#xywh=160,0,160,90',
        '',
        '00:00:20.000 --> 00:00:30.000',
        'sprite_000.jpg#xywh=0,90,160,90',
        '',
        '00:00:30.000 --> 00:00:40.000',
        'sprite_000.jpg#xywh=160,90,160,90',
        '',
        '00:00:40.000 --> 00:00:43.500',
        'sprite_001.jpg#xywh=0,0,160,90',
        '',
      ].join('\n'),
    );
  });

  it('writes hours, and no cue past the end of the video', () => {
    const vtt = buildThumbnailVtt({
      count: 3,
      intervalSeconds: 3600,
      durationSeconds: 5000,
      width: 10,
      height: 10,
      columns: 5,
      rows: 5,
    });
    expect(vtt).toContain('01:00:00.000 --> 01:23:20.000');
    expect(vtt.match(/-->/g)).toHaveLength(2);
  });
});
