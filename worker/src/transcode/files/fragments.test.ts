import { describe, expect, it } from 'vitest';
import { rebaseSegment } from './fragments.ts';
import { readFragmentTiming } from './iso-bmff.ts';

function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(payload);
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + body.length, 0);
  header.write(type, 4, 'latin1');
  return Buffer.concat([header, body]);
}
const u32 = (...values: number[]) => {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v, i * 4));
  return b;
};
const u64 = (value: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(value));
  return b;
};

/** A segment as ffmpeg's HLS muxer writes one: styp, sidx (v1), moof (mfhd, traf: tfhd, tfdt v1, trun), mdat. */
function segment(start: number, sequence: number, samples: number, sampleTicks: number) {
  const trun = box(
    'trun',
    u32(0x000100, samples),
    ...Array.from({ length: samples }, () => u32(sampleTicks)),
  );
  return Buffer.concat([
    box('styp', Buffer.from('msdh')),
    box(
      'sidx',
      u32(0x01000000, 1, 30000),
      u64(start),
      u64(0),
      u32(1, 1234, sampleTicks * samples, 0x90000000),
    ),
    box(
      'moof',
      box('mfhd', u32(0, sequence)),
      box('traf', box('tfhd', u32(0x020000, 1)), box('tfdt', u32(0x01000000), u64(start)), trun),
    ),
    box('mdat', Buffer.alloc(32, 7)),
  ]);
}

const reader = (file: Uint8Array) => ({
  size: file.length,
  read: (offset: number, length: number) => Promise.resolve(file.subarray(offset, offset + length)),
});

describe('rebaseSegment', () => {
  it("moves a chunk's segment onto the whole timeline: tfdt and sidx gain the offset, mfhd takes the number, nothing else changes", async () => {
    const chunkOwn = segment(120120, 2, 4, 1001);
    const expected = segment(120120 + 240240, 4, 4, 1001);
    const patched = Buffer.from(chunkOwn);
    expect(rebaseSegment(patched, { offsetTicks: 240240, sequenceNumber: 4 })).toEqual({
      tfdt: 1,
      sidx: 1,
      mfhd: 1,
    });
    expect(patched.equals(expected)).toBe(true);
    expect(await readFragmentTiming(reader(patched))).toEqual({
      start: 360360,
      duration: 4004,
      samples: 4,
    });
  });

  it('patches 32-bit (version 0) times too, and refuses an offset that does not fit', () => {
    const v0 = Buffer.concat([
      box('moof', box('mfhd', u32(0, 1)), box('traf', box('tfdt', u32(0), u32(90)))),
    ]);
    rebaseSegment(v0, { offsetTicks: 10, sequenceNumber: 7 });
    expect(v0.readUInt32BE(8 + 8 + 4)).toBe(7);
    expect(v0.readUInt32BE(v0.length - 4)).toBe(100);
    expect(() => rebaseSegment(v0, { offsetTicks: 0xffffffff, sequenceNumber: 1 })).toThrow(
      /overflows/,
    );
    expect(() => rebaseSegment(v0, { offsetTicks: 1.5, sequenceNumber: 1 })).toThrow(/whole/);
  });

  it('refuses a truncated segment rather than patching the wrong bytes', () => {
    const cut = segment(0, 1, 2, 1001).subarray(0, 70);
    expect(() => rebaseSegment(Buffer.from(cut), { offsetTicks: 1, sequenceNumber: 1 })).toThrow(
      /malformed box/,
    );
  });
});
