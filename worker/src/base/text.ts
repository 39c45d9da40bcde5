/** `value` cut to at most `max` characters, ending in "..." when it was cut. */
export function truncate(value: string, max: number): string {
  return value.length > max ? `${value.slice(0, Math.max(0, max - 3))}...` : value;
}
