import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.ts';
import { ConfigError } from '../base/errors.ts';

const VALID = {
  AWS_REGION: 'eu-west-1',
  QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/transcode',
  DLQ_URL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/transcode-dlq',
  TABLE_NAME: 'transcode-jobs',
  OUTPUT_URI: 's3://media-out/renditions',
};

function issuesOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return [...err.issues];
    throw err;
  }
  return [];
}

describe('loadConfig', () => {
  it('reads a minimal environment with documented defaults', () => {
    const config = loadConfig(VALID);
    expect(config).toMatchObject({
      region: 'eu-west-1',
      output: { bucket: 'media-out', key: 'renditions/' },
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 120,
      heartbeatSeconds: 30,
      receiveWaitSeconds: 20,
      idleTimeoutSeconds: 30,
      endpoints: {},
      s3ForcePathStyle: false,
    });
  });

  it('names every bad field in one error', () => {
    const issues = issuesOf({
      AWS_REGION: 'Europe',
      QUEUE_URL: 'not a url',
      TABLE_NAME: 'x',
      OUTPUT_URI: 'https://bucket/prefix',
      MAX_RECEIVE_COUNT: 'three',
      S3_FORCE_PATH_STYLE: 'maybe',
    });
    expect(issues).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^AWS_REGION: must be a region/),
        expect.stringMatching(/^QUEUE_URL: /),
        'DLQ_URL: is required',
        expect.stringMatching(/^TABLE_NAME: must be a DynamoDB table name/),
        expect.stringMatching(/^OUTPUT_URI: must be an S3 URI/),
        expect.stringMatching(/^MAX_RECEIVE_COUNT: /),
        expect.stringMatching(/^S3_FORCE_PATH_STYLE: /),
      ]),
    );
    expect(issues).toHaveLength(7);
  });

  it('refuses a heartbeat longer than half the visibility timeout', () => {
    expect(
      issuesOf({ ...VALID, VISIBILITY_TIMEOUT_SECONDS: '60', HEARTBEAT_SECONDS: '31' }),
    ).toEqual([
      expect.stringMatching(
        /^HEARTBEAT_SECONDS: must be at most half of VISIBILITY_TIMEOUT_SECONDS \(60\)/,
      ),
    ]);
    expect(
      issuesOf({ ...VALID, VISIBILITY_TIMEOUT_SECONDS: '60', HEARTBEAT_SECONDS: '30' }),
    ).toEqual([]);
  });

  it('treats empty variables as unset and reads service endpoints', () => {
    const config = loadConfig({
      ...VALID,
      LOG_LEVEL: '',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:8000',
      S3_FORCE_PATH_STYLE: 'true',
    });
    expect(config.logLevel).toBe('info');
    expect(config.endpoints).toEqual({
      sqs: 'http://127.0.0.1:4566',
      s3: 'http://127.0.0.1:4566',
      dynamodb: 'http://127.0.0.1:8000',
      sns: 'http://127.0.0.1:4566',
      eventbridge: 'http://127.0.0.1:4566',
    });
    expect(config.s3ForcePathStyle).toBe(true);
  });

  it('turns webhooks on only with a secret to sign them, and checks the event destinations', () => {
    expect(loadConfig(VALID).webhook).toBeUndefined();
    expect(
      loadConfig({ ...VALID, WEBHOOK_SECRET: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' }).webhook,
    ).toEqual({
      secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      timeoutSeconds: 10,
      attempts: 5,
      allowInsecure: false,
    });
    expect(
      issuesOf({
        ...VALID,
        WEBHOOK_SECRET: 'short',
        EVENTS_SNS_TOPIC_ARN: 'my-topic',
        EVENTS_BUS: 'a bus',
      }),
    ).toEqual([
      'EVENTS_SNS_TOPIC_ARN: must be an SNS topic ARN',
      'EVENTS_BUS: must be an EventBridge bus name or ARN',
      'WEBHOOK_SECRET: must be at least 16 characters',
    ]);
  });
});
