import { describe, expect, it } from 'vitest';
import { inspectIsoBmff, type BoxReader } from './iso-bmff.ts';

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
