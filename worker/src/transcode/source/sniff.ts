/**
 * Recognizes, from a file's first bytes, the things people upload that are not video
 * containers — playlists, concat lists, stream descriptions, images — before any ffmpeg
 * library parses them. ffmpeg's own whitelists refuse them too (and the image's ffmpeg is built
 * without those demuxers at all); this is what gives the refusal the same clear reason
 * whichever ffmpeg runs. Pure: bytes in, a description or undefined out.
 */
const TEXT_KINDS: readonly [RegExp, string][] = [
  [/^#EXTM3U/, 'an HLS playlist'],
  [/^ffconcat version/, 'an ffconcat list'],
  [/^file\s+'/m, 'a concat list'],
  [/^v=0\r?\no=/, 'an SDP stream description'],
  [/^<\?xml[\s\S]*<MPD[\s>]/, 'a DASH manifest'],
  [/^\[playlist\]/i, 'a PLS playlist'],
  [/^#EXTINF|^https?:\/\//im, 'a playlist of URLs'],
];

const MAGIC: readonly [number[], string][] = [
  [[0x89, 0x50, 0x4e, 0x47], 'a PNG image'],
  [[0x47, 0x49, 0x46, 0x38], 'a GIF image'],
  [[0xff, 0xd8, 0xff], 'a JPEG image'],
  [[0x42, 0x4d], 'a BMP image'],
];

export function sniffNonVideo(head: Uint8Array): string | undefined {
  for (const [magic, what] of MAGIC) if (magic.every((b, i) => head[i] === b)) return what;
  // WebP: RIFF....WEBP (RIFF....AVI is a container and goes on).
  if (ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'a WebP image';
  // A UTF-8 byte order mark may precede a text playlist.
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  const text = ascii(head, bom, head.length).trimStart();
  for (const [pattern, what] of TEXT_KINDS) if (pattern.test(text)) return what;
  return undefined;
}

function ascii(bytes: Uint8Array, from: number, to: number): string {
  let s = '';
  for (let i = from; i < Math.min(to, bytes.length); i++) s += String.fromCharCode(bytes[i]!);
  return s;
}
