/** Numbers as ffmpeg's options and filter expressions want them written. */

/** A frame rate for ffmpeg: the NTSC rates as exact fractions (30000/1001), others as decimals. */
export function fpsExpression(fps: number): string {
  for (const base of [24, 30, 48, 60, 96, 120, 240]) {
    if (Math.abs(fps - (base * 1000) / 1001) < 0.001) return `${base * 1000}/1001`;
  }
  return Number(fps.toFixed(4)).toString();
}

/** Seconds for ffmpeg expressions: no exponent notation, no trailing zeros, milliseconds. */
export function secondsExpression(seconds: number): string {
  return Number(seconds.toFixed(3)).toString();
}
