import { describe, expect, it } from 'vitest';
import {
  errorAction,
  InterruptedError,
  InvalidMediaError,
  LeaseLostError,
  TransientError,
} from '../../base/errors.ts';
import { decideFailureAction, retryDelaySeconds } from './retry-policy.ts';

const settings = { maxReceiveCount: 3, retryDelaySeconds: 30, retryDelayMaxSeconds: 300 };
const noJitter = () => 0;

describe('decideFailureAction', () => {
  it('retries a transient error with backoff until the last allowed receive', () => {
    const action = errorAction(new TransientError('throttled'));
    expect(decideFailureAction(action, 1, settings, noJitter)).toEqual({
      kind: 'retry',
      delaySeconds: 30,
      outcome: 'retry',
    });
    expect(decideFailureAction(action, 2, settings, noJitter)).toEqual({
      kind: 'retry',
      delaySeconds: 60,
      outcome: 'retry',
    });
    expect(decideFailureAction(action, 3, settings, noJitter)).toEqual({ kind: 'dead-letter' });
  });

  it('dead-letters a permanent error on the first receive', () => {
    expect(decideFailureAction(errorAction(new InvalidMediaError('x')), 1, settings)).toEqual({
      kind: 'dead-letter',
    });
  });

  it('never retries an error outside the model: a bug fails the same way every time', () => {
    for (const err of [new TypeError('x is undefined'), new Error('spawn ffprobe ENOENT'), 'x']) {
      expect(decideFailureAction(errorAction(err), 1, settings)).toEqual({
        kind: 'dead-letter',
        crash: true,
      });
    }
  });

  it('hands an interrupted job straight back, and abandons a job whose lease was taken', () => {
    const interrupted = errorAction(new InterruptedError('SIGTERM'));
    expect(decideFailureAction(interrupted, 1, settings)).toEqual({
      kind: 'retry',
      delaySeconds: 0,
      outcome: 'interrupted',
    });
    expect(decideFailureAction(interrupted, 3, settings)).toEqual({ kind: 'dead-letter' });
    expect(decideFailureAction(errorAction(new LeaseLostError('x')), 1, settings)).toEqual({
      kind: 'abandon',
    });
    expect(decideFailureAction(errorAction(new LeaseLostError('x')), 3, settings)).toEqual({
      kind: 'abandon',
    });
  });
});

describe('retryDelaySeconds', () => {
  it('doubles per receive, adds at most 20% jitter, and never exceeds the cap', () => {
    expect(retryDelaySeconds(1, settings, () => 0)).toBe(30);
    expect(retryDelaySeconds(1, settings, () => 0.999)).toBe(36);
    expect(retryDelaySeconds(3, settings, () => 0)).toBe(120);
    expect(retryDelaySeconds(5, settings, () => 0)).toBe(300);
    expect(retryDelaySeconds(5, settings, () => 0.999)).toBe(300);
    for (let i = 0; i < 100; i++) {
      const d = retryDelaySeconds(2, settings);
      expect(d).toBeGreaterThanOrEqual(60);
      expect(d).toBeLessThanOrEqual(72);
    }
  });
});
