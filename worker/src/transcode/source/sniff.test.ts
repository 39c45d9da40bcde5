import { describe, expect, it } from 'vitest';
import { sniffNonVideo } from './sniff.ts';

const text = (s: string) => new TextEncoder().encode(s);

describe('sniffNonVideo', () => {
  it.each([
    ['#EXTM3U\n#EXT-X-VERSION:3\n', 'an HLS playlist'],
    ['\uFEFF  #EXTM3U\n', 'an HLS playlist'],
    ["ffconcat version 1.0\nfile '/etc/passwd'\n", 'an ffconcat list'],
    ["file 'a.mp4'\nfile 'b.mp4'\n", 'a concat list'],
    ['v=0\no=- 0 0 IN IP4 169.254.169.254\n', 'an SDP stream description'],
    ['<?xml version="1.0"?>\n<MPD xmlns="urn:mpeg:dash:schema:mpd:2011">', 'a DASH manifest'],
    ['[playlist]\nFile1=http://x\n', 'a PLS playlist'],
    ['http://169.254.169.254/latest/meta-data\n', 'a playlist of URLs'],
  ])('%j is %s', (body, what) => {
    expect(sniffNonVideo(text(body))).toBe(what);
  });

  it('knows image magic numbers, and lets containers through', () => {
    expect(sniffNonVideo(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a]))).toBe(
      'a PNG image',
    );
    expect(sniffNonVideo(text('GIF89a...'))).toBe('a GIF image');
    expect(sniffNonVideo(Uint8Array.from([0xff, 0xd8, 0xff, 0xe0]))).toBe('a JPEG image');
    expect(sniffNonVideo(text('RIFF\0\0\0\0WEBPVP8 '))).toBe('a WebP image');
    expect(sniffNonVideo(text('RIFF\0\0\0\0AVI LIST'))).toBeUndefined();
    expect(sniffNonVideo(Uint8Array.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70]))).toBeUndefined();
    expect(sniffNonVideo(Uint8Array.from([0x1a, 0x45, 0xdf, 0xa3]))).toBeUndefined();
    expect(
      sniffNonVideo(text('Meeting notes: transcode the launch video by Friday.')),
    ).toBeUndefined();
  });
});
