import { describe, expect, it } from 'vitest';
import { fpsExpression } from './expressions.ts';

describe('fpsExpression', () => {
  it('writes a frame rate as ffmpeg reads it back exactly', () => {
    expect(fpsExpression(30000 / 1001)).toBe('30000/1001');
    expect(fpsExpression(24000 / 1001)).toBe('24000/1001');
    expect(fpsExpression(25)).toBe('25');
    expect(fpsExpression(12.5)).toBe('12.5');
    expect(fpsExpression(14.285714)).toBe('14.2857');
  });
});
