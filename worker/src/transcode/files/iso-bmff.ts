/**
 * Reads the structure of an ISO base media file (MP4, MOV, 3GP, CMAF) without ffmpeg: which
 * top-level boxes it has, whether it is fragmented, and whether any track is encrypted
 * (Common Encryption: `encv`/`enca` sample entries with a `sinf`, `tenc`, `senc`, `pssh`).
 * ffmpeg either refuses such files with an unrelated message ("error reading header") or,
 * without the key, decodes ciphertext into grey frames and exits 0; the boxes say what it is.
 *
 * Pure apart from the injected reader; only box headers, `moov` and the first `moof` are read,
 * however large the file.
 */
export interface BoxReader {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
}

export interface IsoBmffSummary {
  /** Top-level box types in file order (at most the first 64 distinct runs). */
  readonly topLevel: readonly string[];
  /** `moof` boxes or an `mvex` in `moov`: durations in the header may be missing or wrong. */
  readonly fragmented: boolean;
  /** Set when a track's samples are encrypted or a DRM system is declared. */
  readonly encryption?: {
    /** `cenc`, `cbcs`, `cens`, `cbc1`, or `unknown`. */
    readonly scheme: string;
    /** What was found: `encv`, `enca`, `tenc`, `senc`, `pssh`. */
    readonly evidence: readonly string[];
  };
}

/** moov is metadata; far larger than this is not a file we should parse in memory. */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;
const MAX_MOOF_BYTES = 16 * 1024 * 1024;
const MAX_TOP_LEVEL_BOXES = 1_000_000;

/** Boxes that only contain other boxes (the ones on the way to sample entries and fragments). */
const CONTAINERS = new Set([
  'moov',
  'trak',
  'mdia',
  'minf',
  'stbl',
  'edts',
  'mvex',
  'moof',
  'traf',
  'sinf',
  'schi',
  'udta',
]);
/** Sample entries: a fixed header, then child boxes (`sinf` among them when encrypted). */
const SAMPLE_ENTRY_HEADER: Record<string, number> = { encv: 78, enca: 28 };
const TRACK_ENCRYPTION = new Set(['encv', 'enca', 'tenc', 'senc']);
/** PIFF's sample encryption box, a `uuid` box, as Smooth Streaming and old PlayReady files use. */
const PIFF_SENC_UUID = 'a2394f525a9b4f14a2446c427c648df4';

/** Returns undefined when the file does not start like an ISO-BMFF file. */
export async function inspectIsoBmff(reader: BoxReader): Promise<IsoBmffSummary | undefined> {
  const first = await readHeader(reader, 0);
  if (!first || !['ftyp', 'styp', 'moov', 'free', 'skip', 'wide', 'mdat'].includes(first.type)) {
    return undefined;
  }
  const topLevel: string[] = [];
  const evidence = new Set<string>();
  let scheme: string | undefined;
  let fragmented = false;
  let sawMoof = false;
  let count = 0;
  for (let offset = 0; offset < reader.size && count < MAX_TOP_LEVEL_BOXES; count++) {
    const box = await readHeader(reader, offset);
    if (!box) break;
    if (topLevel.length < 64 && topLevel.at(-1) !== box.type) topLevel.push(box.type);
    const bodyLength = box.size - box.headerSize;
    if (box.type === 'moov' && bodyLength <= MAX_MOOV_BYTES) {
      const body = await reader.read(offset + box.headerSize, bodyLength);
      walk(body, 'moov', (type, payload) => {
        if (type === 'mvex') fragmented = true;
        if (TRACK_ENCRYPTION.has(type) || type === 'pssh') evidence.add(type);
        if (type === 'schm' && payload.length >= 8) scheme = fourcc(payload, 4);
      });
    } else if (box.type === 'moof') {
      fragmented = true;
      if (!sawMoof && bodyLength <= MAX_MOOF_BYTES) {
        sawMoof = true;
        const body = await reader.read(offset + box.headerSize, bodyLength);
        walk(body, 'moof', (type, payload) => {
          if (type === 'senc' || type === 'pssh') evidence.add(type);
          if (type === 'uuid' && hex(payload.subarray(0, 16)) === PIFF_SENC_UUID)
            evidence.add('senc');
        });
      }
    } else if (box.type === 'pssh') {
      evidence.add('pssh');
    }
    if (box.size === 0) break; // extends to the end of the file
    offset += box.size;
  }
  // A `pssh` alone declares a DRM system but may sit beside clear samples (a clear lead);
  // encrypted samples need a protected sample entry, a `tenc` or a `senc`.
  const encrypted = [...evidence].some((e) => TRACK_ENCRYPTION.has(e));
  return {
    topLevel,
    fragmented,
    ...(encrypted
      ? { encryption: { scheme: scheme ?? 'unknown', evidence: [...evidence].sort() } }
      : {}),
  };
}

interface Header {
  readonly type: string;
  /** Whole box, header included; 0 means "to the end of the file". */
  readonly size: number;
  readonly headerSize: number;
}

async function readHeader(reader: BoxReader, offset: number): Promise<Header | undefined> {
  if (offset + 8 > reader.size) return undefined;
  const bytes = await reader.read(offset, Math.min(16, reader.size - offset));
  const parsed = parseHeader(bytes, 0, reader.size - offset);
  return parsed;
}

/** A box header at `at`, or undefined if it is malformed or does not fit in `available`. */
function parseHeader(bytes: Uint8Array, at: number, available: number): Header | undefined {
  if (bytes.length - at < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset + at);
  let size = view.getUint32(0);
  const type = fourcc(bytes, at + 4);
  let headerSize = 8;
  if (size === 1) {
    if (bytes.length - at < 16) return undefined;
    size = Number(view.getBigUint64(8));
    headerSize = 16;
  } else if (size === 0) {
    size = available;
  }
  if (!/^[\x20-\x7e]{4}$/.test(type) || size < headerSize || size > available) return undefined;
  return { type, size, headerSize };
}

/** Visits every box below a container's body, depth first, with the box's payload. */
function walk(
  body: Uint8Array,
  parent: string,
  visit: (type: string, payload: Uint8Array) => void,
  depth = 0,
): void {
  if (depth > 16) return;
  // stsd: version/flags and an entry count come before the sample entries.
  let offset = parent === 'stsd' ? 8 : (SAMPLE_ENTRY_HEADER[parent] ?? 0);
  while (offset + 8 <= body.length) {
    const header = parseHeader(body, offset, body.length - offset);
    if (!header) return;
    const payload = body.subarray(offset + header.headerSize, offset + header.size);
    visit(header.type, payload);
    if (
      CONTAINERS.has(header.type) ||
      header.type === 'stsd' ||
      header.type in SAMPLE_ENTRY_HEADER
    ) {
      walk(payload, header.type, visit, depth + 1);
    }
    offset += header.size;
  }
}

function fourcc(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/**
 * The codec configuration record of a file's first video track (`avcC`, `hvcC`, `av1C` in its
 * sample entry): the bytes a codec string (RFC 6381) is spelled from.
 */
export interface CodecConfig {
  /** The sample entry: `avc1`, `hvc1`, `av01`. */
  readonly entry: string;
  /** The configuration box's payload. */
  readonly record: Uint8Array;
}

const CONFIG_BOXES = new Set(['avcC', 'hvcC', 'av1C']);
/** A visual sample entry's fixed fields, before its boxes (ISO 14496-12 12.1.3). */
const VISUAL_SAMPLE_ENTRY = 78;

/** The first video track's configuration record in a `moov` box (or an init segment). */
export function videoCodecConfig(moov: Uint8Array): CodecConfig | undefined {
  let handler = '';
  let found: CodecConfig | undefined;
  // Depth first: a track's hdlr (in mdia) comes before its sample description (minf/stbl/stsd).
  walk(moov, '', (type, payload) => {
    if (type === 'hdlr') handler = payload.length >= 12 ? fourcc(payload, 8) : '';
    if (found || type !== 'stsd' || handler !== 'vide') return;
    // Version, flags and the entry count; then the first sample entry, its fixed fields and
    // its boxes.
    const entry = parseHeader(payload, 8, payload.length - 8);
    if (!entry) return;
    const body = payload.subarray(8 + entry.headerSize, 8 + entry.size);
    for (let at = VISUAL_SAMPLE_ENTRY; at + 8 <= body.length;) {
      const box = parseHeader(body, at, body.length - at);
      if (!box) return;
      if (CONFIG_BOXES.has(box.type)) {
        found = { entry: entry.type, record: body.subarray(at + box.headerSize, at + box.size) };
        return;
      }
      at += box.size;
    }
  });
  return found;
}

/** The `moov` box of a file whose boxes it reads (at most `limit` bytes), or undefined. */
export async function readMoov(
  reader: BoxReader,
  limit = 64 * 1024 * 1024,
): Promise<Uint8Array | undefined> {
  let offset = 0;
  for (
    let header = await readHeader(reader, offset);
    header;
    header = await readHeader(reader, offset)
  ) {
    if (header.type === 'moov')
      return header.size <= limit ? reader.read(offset, header.size) : undefined;
    offset += header.size;
  }
  return undefined;
}

/** The media timescale (ticks per second) of the first track of an init segment's `moov`. */
export function initTimescale(init: Uint8Array): number | undefined {
  let timescale: number | undefined;
  walk(init, '', (type, payload) => {
    if (type !== 'mdhd' || timescale !== undefined) return;
    // version 1: 64-bit creation and modification times; version 0: 32-bit.
    const at = payload[0] === 1 ? 20 : 12;
    if (payload.length < at + 4) return;
    timescale = new DataView(payload.buffer, payload.byteOffset, payload.length).getUint32(at);
  });
  return timescale && timescale > 0 ? timescale : undefined;
}

/** Where a media segment starts and how long it lasts, in its track's timescale. */
export interface FragmentTiming {
  /** The first `tfdt`'s baseMediaDecodeTime. */
  readonly start: number;
  /** The sum of every sample's duration over the segment's fragments. */
  readonly duration: number;
  readonly samples: number;
}

/**
 * Reads a CMAF/fMP4 media segment's timing from its `moof` boxes alone (the media data is
 * skipped): `tfdt` for the start and the sample durations of each `trun` (or the `tfhd`
 * default). Undefined when the segment has no fragment or one without a decode time.
 */
export async function readFragmentTiming(reader: BoxReader): Promise<FragmentTiming | undefined> {
  let start: number | undefined;
  let duration = 0;
  let samples = 0;
  let complete = true;
  for (let offset = 0, count = 0; offset < reader.size && count < MAX_TOP_LEVEL_BOXES; count++) {
    const box = await readHeader(reader, offset);
    if (!box) break;
    if (box.type === 'moof') {
      if (box.size - box.headerSize > MAX_MOOF_BYTES) return undefined;
      const body = await reader.read(offset + box.headerSize, box.size - box.headerSize);
      walk(body, 'moof', (type, payload) => {
        if (type !== 'traf') return;
        const traf = trackFragmentTiming(payload);
        if (traf.decodeTime === undefined) complete = false;
        else start ??= traf.decodeTime;
        duration += traf.duration;
        samples += traf.samples;
      });
    }
    if (box.size === 0) break;
    offset += box.size;
  }
  if (start === undefined || !complete) return undefined;
  return { start, duration, samples };
}

function trackFragmentTiming(traf: Uint8Array): {
  decodeTime?: number;
  duration: number;
  samples: number;
} {
  let defaultDuration = 0;
  let decodeTime: number | undefined;
  const runs: Uint8Array[] = [];
  walk(traf, 'traf', (type, body) => {
    const view = new DataView(body.buffer, body.byteOffset, body.length);
    if (type === 'tfhd' && body.length >= 8) {
      const flags = view.getUint32(0) & 0xffffff;
      let at = 8; // version/flags, track_ID
      if (flags & 0x01) at += 8; // base_data_offset
      if (flags & 0x02) at += 4; // sample_description_index
      if (flags & 0x08 && body.length >= at + 4) defaultDuration = view.getUint32(at);
    } else if (type === 'tfdt' && body.length >= 8) {
      decodeTime =
        body[0] === 1 && body.length >= 12 ? Number(view.getBigUint64(4)) : view.getUint32(4);
    } else if (type === 'trun') {
      runs.push(body);
    }
  });
  let duration = 0;
  let samples = 0;
  for (const run of runs) {
    if (run.length < 8) continue;
    const view = new DataView(run.buffer, run.byteOffset, run.length);
    const flags = view.getUint32(0) & 0xffffff;
    const count = view.getUint32(4);
    let at = 8 + (flags & 0x001 ? 4 : 0) + (flags & 0x004 ? 4 : 0);
    // Per sample: duration, size, flags, composition offset, each present by its flag.
    const stride = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
    for (let i = 0; i < count && at + stride <= run.length; i++, at += stride) {
      duration += flags & 0x100 ? view.getUint32(at) : defaultDuration;
      samples++;
    }
  }
  return { ...(decodeTime === undefined ? {} : { decodeTime }), duration, samples };
}
