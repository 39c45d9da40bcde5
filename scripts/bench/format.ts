/** How the benchmark prints its figures. */
export function pad(cells: string[], first = 10): string {
  return cells.map((c, i) => (i === 0 ? c.padEnd(first) : c.padStart(9))).join(' ');
}

/** A figure with its target: "0.58 ok" or "0.71 MISS" (printed, never asserted). */
export function mark(value: number, target: number, format = (n: number) => n.toFixed(2)): string {
  return `${format(value)} ${value <= target ? 'ok' : 'MISS'}`;
}

export function percent(n: number): string {
  return `${(n * 100).toFixed(1)}%`;
}

export function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}
