import { describe, expect, it } from 'vitest';
import {
  initTimescale,
  inspectIsoBmff,
  readFragmentTiming,
  videoCodecConfig,
  type BoxReader,
} from './iso-bmff.ts';

/** An ISO-BMFF box: 32-bit size, four-character type, payload. */
function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}
const bytes = (n: number) => new Uint8Array(n);
const text = (s: string) => Buffer.from(s, 'latin1');
/** A visual sample entry (78 bytes of fields before its child boxes). */
const visualEntry = (type: string, ...children: Uint8Array[]) => box(type, bytes(78), ...children);
const stsd = (...entries: Uint8Array[]) =>
  box('stsd', bytes(4), Buffer.from([0, 0, 0, entries.length]), ...entries);
const track = (...entries: Uint8Array[]) =>
  box('trak', box('mdia', box('minf', box('stbl', stsd(...entries)))));
const protectedEntry = (scheme: string) =>
  visualEntry(
    'encv',
    box('avcC', bytes(8)),
    box(
      'sinf',
      box('frma', text('avc1')),
      box('schm', bytes(4), text(scheme), bytes(4)),
      box('schi', box('tenc', bytes(24))),
    ),
  );

function reader(file: Uint8Array): BoxReader & { reads: number } {
  const r = {
    size: file.length,
    reads: 0,
    read(offset: number, length: number) {
      r.reads++;
      return Promise.resolve(file.subarray(offset, offset + length));
    },
  };
  return r;
}

describe('inspectIsoBmff', () => {
  it('finds a CENC-protected track (encv with sinf/schm/tenc) in moov', async () => {
    const file = Buffer.concat([
      box('ftyp', text('isom')),
      box('moov', track(protectedEntry('cbcs'))),
      box('mdat', bytes(64)),
    ]);
    expect(await inspectIsoBmff(reader(file))).toEqual({
      topLevel: ['ftyp', 'moov', 'mdat'],
      fragmented: false,
      encryption: { scheme: 'cbcs', evidence: ['encv', 'tenc'] },
    });
  });

  it('finds sample encryption in the first fragment of a fragmented file', async () => {
    const file = Buffer.concat([
      box('ftyp', text('iso6')),
      box('moov', box('mvex', box('trex', bytes(24))), track(visualEntry('avc1'))),
      box('moof', box('traf', box('tfhd', bytes(8)), box('senc', bytes(8)))),
      box('mdat', bytes(32)),
    ]);
    const summary = await inspectIsoBmff(reader(file));
    expect(summary).toMatchObject({
      fragmented: true,
      encryption: { scheme: 'unknown', evidence: ['senc'] },
    });
  });

  it('reads a clear file as clear, and a pssh alone (a clear lead) as clear too', async () => {
    const clear = Buffer.concat([
      box('ftyp', text('isom')),
      box('mdat', bytes(100)),
      box('moov', track(visualEntry('avc1'))),
    ]);
    expect(await inspectIsoBmff(reader(clear))).toEqual({
      topLevel: ['ftyp', 'mdat', 'moov'],
      fragmented: false,
    });
    const lead = Buffer.concat([
      box('ftyp', text('isom')),
      box('moov', box('pssh', bytes(32)), track(visualEntry('avc1'))),
    ]);
    expect((await inspectIsoBmff(reader(lead)))?.encryption).toBeUndefined();
  });

  it('reads only box headers past moov, however many fragments the file has', async () => {
    const fragments = Array.from({ length: 200 }, () => [
      box('moof', box('mfhd', bytes(8))),
      box('mdat', bytes(1000)),
    ]).flat();
    const file = Buffer.concat([
      box('ftyp', text('iso6')),
      box('moov', track(visualEntry('avc1'))),
      ...fragments,
    ]);
    const r = reader(file);
    const summary = await inspectIsoBmff(r);
    expect(summary?.fragmented).toBe(true);
    expect(r.reads).toBeLessThan(410); // one header per box, plus moov and the first moof
  });

  it('says nothing about files that are not ISO-BMFF, and stops at a damaged box', async () => {
    expect(
      await inspectIsoBmff(reader(Buffer.from('\x1aE\xdf\xa3 matroska...', 'latin1'))),
    ).toBeUndefined();
    const damaged = Buffer.concat([
      box('ftyp', text('isom')),
      Buffer.from([0, 0, 0, 3, 0x6d, 0x6f, 0x6f, 0x76]),
    ]);
    expect(await inspectIsoBmff(reader(damaged))).toEqual({
      topLevel: ['ftyp'],
      fragmented: false,
    });
  });
});

describe('CMAF segment timing', () => {
  const u32 = (...values: number[]) => {
    const b = Buffer.alloc(values.length * 4);
    values.forEach((v, i) => b.writeUInt32BE(v, i * 4));
    return b;
  };
  const fullBox = (type: string, version: number, flags: number, ...payload: Uint8Array[]) =>
    box(type, u32((version << 24) | flags), ...payload);

  it('reads the timescale of an init segment (mdhd version 0 and 1)', () => {
    const v0 = box('moov', box('trak', box('mdia', fullBox('mdhd', 0, 0, u32(0, 0, 15360, 0)))));
    const v1 = box(
      'moov',
      box('trak', box('mdia', fullBox('mdhd', 1, 0, u32(0, 0, 0, 0, 48000, 0, 0)))),
    );
    expect(initTimescale(Buffer.concat([box('ftyp', text('iso6')), v0]))).toBe(15360);
    expect(initTimescale(v1)).toBe(48000);
    expect(initTimescale(box('ftyp', text('iso6')))).toBeUndefined();
  });

  it('adds the samples of every run and fragment: per-sample durations, or the tfhd default', async () => {
    // trun flags 0x301: data offset, then duration and size per sample.
    const perSample = fullBox('trun', 0, 0x301, u32(3, 0), u32(1001, 10, 1001, 10, 2002, 10));
    const first = box(
      'moof',
      box('mfhd', u32(0, 1)),
      box(
        'traf',
        fullBox('tfhd', 0, 0x20000, u32(1)),
        fullBox('tfdt', 1, 0, u32(0, 90090)),
        perSample,
      ),
    );
    // tfhd flag 0x08: a default duration; trun flag 0x200: sizes only.
    const second = box(
      'moof',
      box(
        'traf',
        fullBox('tfhd', 0, 0x08, u32(1, 1024)),
        fullBox('tfdt', 0, 0, u32(94094)),
        fullBox('trun', 0, 0x200, u32(2, 10, 10)),
      ),
    );
    const segment = Buffer.concat([
      box('styp', text('msdh')),
      first,
      box('mdat', bytes(40)),
      second,
      box('mdat', bytes(20)),
    ]);
    expect(await readFragmentTiming(reader(segment))).toEqual({
      start: 90090,
      duration: 1001 + 1001 + 2002 + 2 * 1024,
      samples: 5,
    });
  });

  it('has no timing for a file without fragments or a fragment without a decode time', async () => {
    expect(await readFragmentTiming(reader(box('ftyp', text('isom'))))).toBeUndefined();
    const noTfdt = box(
      'moof',
      box('traf', fullBox('tfhd', 0, 0, u32(1)), fullBox('trun', 0, 0, u32(0))),
    );
    expect(await readFragmentTiming(reader(noTfdt))).toBeUndefined();
  });
});

describe('the video track’s configuration record', () => {
  const hdlr = (handler: string) => box('hdlr', bytes(8), text(handler), bytes(12));
  const trackOf = (handler: string, entry: Uint8Array) =>
    box('trak', box('mdia', hdlr(handler), box('minf', box('stbl', stsd(entry)))));

  it('is read from the video track’s sample entry, not another track’s', () => {
    const audio = trackOf('soun', box('mp4a', bytes(28), box('esds', bytes(4))));
    const video = trackOf('vide', visualEntry('hvc1', box('hvcC', Buffer.from([1, 1, 0x60]))));
    const config = videoCodecConfig(box('moov', audio, video));
    expect(config?.entry).toBe('hvc1');
    expect([...config!.record]).toEqual([1, 1, 0x60]);
  });

  it('is undefined without a video track or a configuration box', () => {
    expect(videoCodecConfig(box('moov', trackOf('soun', visualEntry('mp4a'))))).toBeUndefined();
    expect(videoCodecConfig(box('moov', trackOf('vide', visualEntry('av01'))))).toBeUndefined();
  });
});
