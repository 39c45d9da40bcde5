import { describe, expect, it } from 'vitest';
import {
  classifyAwsError,
  DependencyRejectedError,
  describeError,
  InvalidMediaError,
  TransientError,
} from './errors.ts';

function sdkError(name: string, extra: Record<string, unknown>): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('classifyAwsError', () => {
  it('retries what the SDK marks retryable, server faults, throttling and network errors', () => {
    const cases = [
      sdkError('SlowDown', { $fault: 'server', $metadata: { httpStatusCode: 503 } }),
      sdkError('ThrottlingException', {
        $fault: 'client',
        $retryable: { throttling: true },
        $metadata: { httpStatusCode: 400 },
      }),
      sdkError('ProvisionedThroughputExceededException', {
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      }),
      sdkError('InternalError', { $metadata: { httpStatusCode: 500 } }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      new Error('something nobody classified'),
    ];
    for (const err of cases)
      expect(classifyAwsError(err, 'op'), String(err)).toBeInstanceOf(TransientError);
  });

  it('does not retry what AWS rejected as the client’s fault', () => {
    const err = classifyAwsError(
      sdkError('AccessDeniedException', { $fault: 'client', $metadata: { httpStatusCode: 403 } }),
      'DynamoDB PutItem',
    );
    expect(err).toBeInstanceOf(DependencyRejectedError);
    expect(err.retryable).toBe(false);
    expect(err.message).toBe(
      'DynamoDB PutItem failed: AccessDeniedException (HTTP 403): AccessDeniedException happened',
    );
  });

  it('passes the error model through untouched', () => {
    const err = new InvalidMediaError('no video');
    expect(classifyAwsError(err, 'op')).toBe(err);
    expect(describeError(err)).toEqual({
      code: 'INVALID_MEDIA',
      message: 'no video',
      retryable: false,
    });
    expect(describeError('weird')).toEqual({
      code: 'INTERNAL',
      message: 'weird',
      retryable: false,
    });
  });
});
