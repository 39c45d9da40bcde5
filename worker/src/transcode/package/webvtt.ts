/** WebVTT as the worker reads and writes it: cues parsed, tidied and formatted (pure). */

export interface WebVttCue {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Parses WebVTT as ffmpeg writes it (header, blank-line separated cues with optional ids and
 * settings). Throws on text that is not WebVTT.
 */
export function parseWebVtt(text: string): WebVttCue[] {
  const body = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (!/^WEBVTT(?:[ \t].*)?(?:\n|$)/.test(body)) throw new Error('not WebVTT (no WEBVTT header)');
  const cues: WebVttCue[] = [];
  for (const block of body.split(/\n{2,}/).slice(1)) {
    const lines = block.split('\n').filter((l) => l !== '');
    const timing = lines.findIndex((l) => l.includes('-->'));
    if (timing < 0) continue; // NOTE, STYLE, REGION blocks
    const match = /^\s*([\d:.]+)\s+-->\s+([\d:.]+)/.exec(lines[timing]!);
    if (!match) continue;
    cues.push({
      start: vttSeconds(match[1]!),
      end: vttSeconds(match[2]!),
      text: lines.slice(timing + 1).join('\n'),
    });
  }
  return cues;
}

/**
 * Tidied cues: empty and zero-length cues dropped, and a cue that repeats the one before it
 * without a gap (what caption decoders write on every frame that re-sends the same screen)
 * merged into it.
 */
export function tidyCues(cues: readonly WebVttCue[]): WebVttCue[] {
  const out: WebVttCue[] = [];
  for (const cue of cues) {
    if (cue.text.trim() === '' || !(cue.end > cue.start)) continue;
    const last = out.at(-1);
    if (last && last.text === cue.text && cue.start - last.end <= 0.05) {
      out[out.length - 1] = { ...last, end: Math.max(last.end, cue.end) };
    } else {
      out.push(cue);
    }
  }
  return out;
}

export function formatWebVtt(cues: readonly WebVttCue[]): string {
  const blocks = cues.map((c) => `${vttTimestamp(c.start)} --> ${vttTimestamp(c.end)}\n${c.text}`);
  return `WEBVTT\n\n${blocks.join('\n\n')}${blocks.length ? '\n' : ''}`;
}

/** A WebVTT cue time, `hh:mm:ss.mmm`. */
export function vttTimestamp(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(ms % 1000, 3)}`;
}

function vttSeconds(t: string): number {
  const parts = t.split(':').map(Number);
  return parts.reduce((acc, p) => acc * 60 + p, 0);
}
