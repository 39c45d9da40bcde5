import { open } from 'node:fs/promises';

/**
 * The codec configuration record of a file's first video track (`avcC`, `hvcC`, `av1C` in its
 * sample entry), from an init segment or an MP4 whose `moov` comes first: the bytes a codec
 * string (RFC 6381) is spelled from.
 */
export interface CodecConfig {
  /** The sample entry: `avc1`, `hvc1`, `av01`. */
  readonly entry: string;
  /** The configuration box's payload. */
  readonly record: Uint8Array;
}

const CONFIG_BOXES = new Set(['avcC', 'hvcC', 'av1C']);
const PATH = ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'];
/** A visual sample entry's fixed fields after its header, before its boxes (ISO 14496-12 12.1.3). */
const VISUAL_SAMPLE_ENTRY = 78;
/** More than any init segment or faststart moov's sample description needs. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

export async function readCodecConfig(path: string): Promise<CodecConfig | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    let offset = 0;
    while (offset + 8 <= size) {
      const head = Buffer.alloc(16);
      await file.read(head, 0, 16, offset);
      const { type, headerSize, boxSize } = header(head, 0, size - offset);
      if (boxSize < headerSize) return undefined;
      if (type === 'moov') {
        if (boxSize > MAX_MOOV_BYTES) return undefined;
        const moov = Buffer.alloc(boxSize);
        await file.read(moov, 0, boxSize, offset);
        return codecConfigIn(moov);
      }
      offset += boxSize;
    }
    return undefined;
  } finally {
    await file.close();
  }
}

/** The first video track's configuration in a `moov` box's bytes (pure). */
export function codecConfigIn(moov: Uint8Array): CodecConfig | undefined {
  for (const trak of children(moov, 0, moov.length)) {
    if (trak.type !== 'moov') continue;
    const found = descend(moov, trak.start, trak.end, 1);
    if (found) return found;
  }
  return undefined;
}

function descend(
  b: Uint8Array,
  start: number,
  end: number,
  depth: number,
): CodecConfig | undefined {
  const want = PATH[depth];
  for (const box of children(b, start, end)) {
    if (want === 'stsd' && box.type === 'stsd') {
      // version, flags, entry count; then the entries.
      for (const entry of children(b, box.start + 8, box.end)) {
        for (const inner of children(b, entry.start + VISUAL_SAMPLE_ENTRY, entry.end)) {
          if (CONFIG_BOXES.has(inner.type)) {
            return { entry: entry.type, record: b.subarray(inner.start, inner.end) };
          }
        }
      }
    } else if (box.type === want) {
      if (want === 'trak' && !isVideoTrack(b, box.start, box.end)) continue;
      const found = descend(b, box.start, box.end, depth + 1);
      if (found) return found;
    }
  }
  return undefined;
}

function isVideoTrack(b: Uint8Array, start: number, end: number): boolean {
  for (const mdia of children(b, start, end)) {
    if (mdia.type !== 'mdia') continue;
    for (const hdlr of children(b, mdia.start, mdia.end)) {
      if (hdlr.type === 'hdlr') return fourcc(b, hdlr.start + 8) === 'vide';
    }
  }
  return false;
}

/** The boxes between start and end: their type and payload range. */
function* children(
  b: Uint8Array,
  start: number,
  end: number,
): Generator<{ type: string; start: number; end: number }> {
  let offset = start;
  while (offset + 8 <= end) {
    const { type, headerSize, boxSize } = header(b, offset, end - offset);
    if (boxSize < headerSize || offset + boxSize > end) return;
    yield { type, start: offset + headerSize, end: offset + boxSize };
    offset += boxSize;
  }
}

function header(
  b: Uint8Array,
  at: number,
  remaining: number,
): { type: string; headerSize: number; boxSize: number } {
  const view = new DataView(b.buffer, b.byteOffset, b.length);
  const size32 = view.getUint32(at);
  const type = fourcc(b, at + 4);
  if (size32 === 1) return { type, headerSize: 16, boxSize: Number(view.getBigUint64(at + 8)) };
  if (size32 === 0) return { type, headerSize: 8, boxSize: remaining };
  return { type, headerSize: 8, boxSize: size32 };
}

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(...b.subarray(at, at + 4));
}
