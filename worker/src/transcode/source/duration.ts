import type { PacketSpan } from '../ffmpeg/probe-json.ts';

/**
 * How long the source's video really is. The container's figure is what players show, and is
 * right for almost every file; but a fragmented MP4 may carry a garbage `mehd` (143,166 s for a
 * one-second clip), a file with placeholder tracks may declare 0, and a stream's own duration
 * may disagree with the file's. Then the packets decide. Pure: figures in, a decision out.
 */

export interface DurationEvidence {
  /** The file's duration (ffprobe format.duration). */
  readonly formatSeconds: number;
  /** The video stream's own declared duration. */
  readonly streamSeconds: number;
  readonly sizeBytes: number;
  /** The packets of the sample read with the probe, when it covered the whole file. */
  readonly wholeFilePackets?: PacketSpan;
  /** A declared duration over the limit is checked against the packets before a refusal. */
  readonly limitSeconds?: number;
}

export type DurationFigures =
  | { readonly kind: 'trusted'; readonly videoSeconds: number; readonly fileSeconds: number }
  | {
      readonly kind: 'from-packets';
      readonly videoSeconds: number;
      readonly fileSeconds: number;
      readonly note: string;
    };

export type DurationDecision =
  | DurationFigures
  /** The container's figures cannot be trusted: scan every video packet, then `fromScan`. */
  | { readonly kind: 'scan'; readonly why: string };

/** Below this average bitrate a "duration" is almost surely not the file's. */
const MIN_PLAUSIBLE_BITS_PER_SECOND = 8000;
/** The file's and the stream's durations may differ by audio running on, not by more. */
const MAX_DISAGREEMENT = { seconds: 2, fraction: 0.25 } as const;

export function decideDuration(e: DurationEvidence): DurationDecision {
  const declared = e.streamSeconds > 0 ? e.streamSeconds : e.formatSeconds;
  const file = Math.max(e.formatSeconds || 0, declared || 0);
  const doubt = doubtAbout(e, declared);
  if (!doubt) return { kind: 'trusted', videoSeconds: declared, fileSeconds: file };
  const span = e.wholeFilePackets;
  if (span && span.packets > 0) return fromPackets(span, doubt, declared);
  return { kind: 'scan', why: doubt };
}

/** After a scan of every video packet (or the whole-file sample). */
export function fromScan(span: PacketSpan, why: string, declared: number): DurationFigures {
  return fromPackets(span, why, declared);
}

function fromPackets(span: PacketSpan, why: string, declared: number): DurationFigures {
  const seconds = Math.max(0, span.endSeconds - span.firstSeconds);
  return {
    kind: 'from-packets',
    videoSeconds: seconds,
    fileSeconds: seconds,
    note: `duration ${round(seconds)} s from the video packets (${why}${declared > 0 ? `; the container says ${round(declared)} s` : ''})`,
  };
}

function doubtAbout(e: DurationEvidence, declared: number): string | undefined {
  if (!(declared > 0)) return 'the container states no duration';
  if (e.limitSeconds !== undefined && declared > e.limitSeconds) {
    return `the container says ${round(declared)} s, over the limit`;
  }
  if (e.sizeBytes > 0 && (e.sizeBytes * 8) / declared < MIN_PLAUSIBLE_BITS_PER_SECOND) {
    return `${e.sizeBytes} bytes cannot hold ${round(declared)} s of video`;
  }
  if (e.streamSeconds > 0 && e.formatSeconds > 0) {
    const gap = Math.abs(e.formatSeconds - e.streamSeconds);
    if (
      gap > MAX_DISAGREEMENT.seconds &&
      gap > MAX_DISAGREEMENT.fraction * Math.max(e.formatSeconds, e.streamSeconds)
    ) {
      return `the file says ${round(e.formatSeconds)} s and its video stream ${round(e.streamSeconds)} s`;
    }
  }
  const span = e.wholeFilePackets;
  if (span && span.packets > 1) {
    const seconds = span.endSeconds - span.firstSeconds;
    if (Math.abs(seconds - declared) > Math.max(1, 0.1 * declared)) {
      return `the packets span ${round(seconds)} s`;
    }
  }
  return undefined;
}

function round(seconds: number): string {
  return String(Math.round(seconds * 1000) / 1000);
}
