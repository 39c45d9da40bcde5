import { describe, expect, it } from 'vitest';
import { queryToJson } from './sqs-query-protocol.ts';

describe('SQS Query protocol parameters to the JSON protocol', () => {
  it('maps scalars, numbers, numbered lists and message attributes', () => {
    expect(
      queryToJson({
        Action: 'SendMessage',
        Version: '2012-11-05',
        QueueUrl: 'http://127.0.0.1:1/000000000000/q',
        MessageBody: '{"version":1}',
        DelaySeconds: '5',
        'MessageAttribute.1.Name': 'origin',
        'MessageAttribute.1.Value.DataType': 'String',
        'MessageAttribute.1.Value.StringValue': 'cli',
      }),
    ).toEqual({
      QueueUrl: 'http://127.0.0.1:1/000000000000/q',
      MessageBody: '{"version":1}',
      DelaySeconds: 5,
      MessageAttributes: { origin: { DataType: 'String', StringValue: 'cli' } },
    });
    expect(
      queryToJson({
        Action: 'GetQueueAttributes',
        QueueUrl: 'u',
        'AttributeName.1': 'ApproximateNumberOfMessages',
        'AttributeName.2': 'QueueArn',
      }),
    ).toEqual({ QueueUrl: 'u', AttributeNames: ['ApproximateNumberOfMessages', 'QueueArn'] });
  });
});
