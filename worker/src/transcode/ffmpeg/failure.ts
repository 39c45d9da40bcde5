/**
 * What ffmpeg's stderr says went wrong, in terms of the input a person uploaded. ffmpeg's own
 * last line is often about its internals ("Error marking filters as finished", "Cannot
 * determine format of input stream 0:0 after EOF") when the cause is a bitstream no decoder
 * could read. Pure: stderr in, a classification out.
 */
export type FfmpegFailure =
  /** No decoder for a stream in this ffmpeg build (or for this codec at all). */
  | { readonly kind: 'missing-decoder'; readonly stream: number; readonly codec: string }
  /** The input was read but its frames could not be decoded. */
  | { readonly kind: 'undecodable'; readonly stream?: number; readonly detail: string }
  /** The container itself is damaged. */
  | { readonly kind: 'damaged'; readonly detail: string }
  | { readonly kind: 'other'; readonly line: string };

/** Bracketed log contexts that are ours (filters, muxers, encoders), not the source's decoders. */
const OUR_CONTEXTS =
  /^(Parsed_|graph|tee|hls|mp4|image2|libx264|libx265|libsvtav1|AVFilterGraph|null|out_|in_|fps|scale|aac @ .*encoder)/;

export function classifyFfmpegFailure(stderr: string): FfmpegFailure {
  const missing = /Decoder \(codec (\w+)\) not found for input stream #\d+:(\d+)/.exec(stderr);
  if (missing) return { kind: 'missing-decoder', codec: missing[1]!, stream: Number(missing[2]) };

  const decodeErrors = [...stderr.matchAll(/Error while decoding stream #\d+:(\d+)/g)];
  const starved =
    /Cannot determine format of input stream \d+:(\d+) after EOF/.exec(stderr) ??
    (/Error marking filters as finished/.test(stderr) ? (['', undefined] as const) : null);
  if (starved || decodeErrors.length > 0) {
    const streamText = starved?.[1] ?? decodeErrors[0]?.[1];
    const complaint = commonestComplaint(stderr);
    const detail = starved
      ? `no frame of its ${complaint?.codec ?? ''}${complaint ? ' ' : ''}video could be decoded${complaint ? ` (${complaint.codec}: ${complaint.text})` : ''}`
      : `its frames could not be decoded${complaint ? ` (${complaint.codec}: ${complaint.text})` : ''}`;
    return {
      kind: 'undecodable',
      ...(streamText !== undefined ? { stream: Number(streamText) } : {}),
      detail: detail.replace(/\s+/g, ' '),
    };
  }
  if (
    /Invalid data found when processing input|moov atom not found|error reading header/.test(stderr)
  ) {
    const complaint = commonestComplaint(stderr);
    return {
      kind: 'damaged',
      detail: complaint ? `${complaint.codec}: ${complaint.text}` : 'invalid data in the container',
    };
  }
  return { kind: 'other', line: lastMeaningfulLine(stderr) };
}

/** The decoder message ffmpeg repeated most, `[vp9 @ 0x...] Invalid sync code` → vp9, text. */
function commonestComplaint(stderr: string): { codec: string; text: string } | undefined {
  const counts = new Map<string, { codec: string; text: string; n: number }>();
  for (const m of stderr.matchAll(/^\[([^\]@]+?) @ 0x[0-9a-f]+\] (.+)$/gm)) {
    const codec = m[1]!.trim();
    const text = m[2]!.trim();
    if (codec.includes(',') || OUR_CONTEXTS.test(codec)) continue;
    const key = `${codec}\n${text}`;
    const entry = counts.get(key) ?? { codec, text, n: 0 };
    entry.n++;
    counts.set(key, entry);
  }
  let best: { codec: string; text: string; n: number } | undefined;
  for (const e of counts.values()) if (!best || e.n > best.n) best = e;
  return best ? { codec: best.codec, text: best.text.slice(0, 160) } : undefined;
}

function lastMeaningfulLine(stderr: string): string {
  const lines = stderr
    .trim()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^Last message repeated/.test(l));
  return lines.at(-1) ?? '';
}
