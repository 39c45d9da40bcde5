/**
 * Moving a CMAF media segment on its track's timeline, in place: what a chunk of a long source
 * does to the segments it wrote on its own timeline (starting at 0) so that they are the
 * segments of the whole source, named and numbered as a single run numbers them. Only header
 * fields change, never the size of a box or a sample: `tfdt` (each track fragment's decode
 * time) and `sidx` (the earliest presentation time) gain the chunk's start, `mfhd` (the fragment's
 * sequence number) becomes the segment's number on the whole timeline.
 */

export interface Rebase {
  /** Ticks of the track's timescale added to every decode and presentation time. */
  readonly offsetTicks: number;
  /** The sequence number of the segment's first fragment (a single run's: its number + 1). */
  readonly sequenceNumber: number;
}

/** What was changed: the boxes touched, for a caller to check that the segment had them. */
export interface RebaseReport {
  readonly tfdt: number;
  readonly sidx: number;
  readonly mfhd: number;
}

/** Patches `segment` (a whole media segment's bytes) in place. */
export function rebaseSegment(segment: Uint8Array, rebase: Rebase): RebaseReport {
  if (!Number.isSafeInteger(rebase.offsetTicks) || rebase.offsetTicks < 0) {
    throw new Error(
      `a segment's offset must be a whole, non-negative tick count: ${rebase.offsetTicks}`,
    );
  }
  const view = new DataView(segment.buffer, segment.byteOffset, segment.length);
  const report = { tfdt: 0, sidx: 0, mfhd: 0 };
  let sequence = rebase.sequenceNumber;
  const add = (at: number, wide: boolean) => {
    if (wide) {
      view.setBigUint64(at, view.getBigUint64(at) + BigInt(rebase.offsetTicks));
    } else {
      const value = view.getUint32(at) + rebase.offsetTicks;
      if (value > 0xffffffff) throw new Error('a 32-bit segment time overflows with the offset');
      view.setUint32(at, value);
    }
  };
  forEachBox(segment, 0, segment.length, (type, body, end) => {
    if (type === 'sidx' && end - body >= 12) {
      // version/flags, reference_ID, timescale, then earliest_presentation_time.
      add(body + 12, segment[body] === 1);
      report.sidx++;
    } else if (type === 'moof') {
      forEachBox(segment, body, end, (inner, innerBody, innerEnd) => {
        if (inner === 'mfhd' && innerEnd - innerBody >= 8) {
          view.setUint32(innerBody + 4, sequence++);
          report.mfhd++;
        } else if (inner === 'traf') {
          forEachBox(segment, innerBody, innerEnd, (leaf, leafBody, leafEnd) => {
            if (leaf !== 'tfdt' || leafEnd - leafBody < 8) return;
            add(leafBody + 4, segment[leafBody] === 1);
            report.tfdt++;
          });
        }
      });
    }
  });
  return report;
}

/** Calls `visit` with each box's type and its body's [start, end) between `from` and `to`. */
function forEachBox(
  bytes: Uint8Array,
  from: number,
  to: number,
  visit: (type: string, body: number, end: number) => void,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (at + 16 > to) break;
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) {
      size = to - at;
    }
    if (size < header || at + size > to) {
      throw new Error(`a malformed box at byte ${at} of a media segment`);
    }
    visit(String.fromCharCode(...bytes.subarray(at + 4, at + 8)), at + header, at + size);
    at += size;
  }
  if (at !== to) throw new Error(`a malformed box at byte ${at} of a media segment`);
}
