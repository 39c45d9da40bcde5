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

  it('maps batch entries, each with its own attributes, in entry order', () => {
    expect(
      queryToJson({
        Action: 'SendMessageBatch',
        QueueUrl: 'u',
        'SendMessageBatchRequestEntry.2.Id': 'b',
        'SendMessageBatchRequestEntry.2.MessageBody': 'two',
        'SendMessageBatchRequestEntry.1.Id': 'a',
        'SendMessageBatchRequestEntry.1.MessageBody': 'one',
        'SendMessageBatchRequestEntry.1.DelaySeconds': '3',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Name': 'origin',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.DataType': 'String',
        'SendMessageBatchRequestEntry.1.MessageAttribute.1.Value.StringValue': 'cli',
      }),
    ).toEqual({
      QueueUrl: 'u',
      Entries: [
        {
          Id: 'a',
          MessageBody: 'one',
          DelaySeconds: 3,
          MessageAttributes: { origin: { DataType: 'String', StringValue: 'cli' } },
        },
        { Id: 'b', MessageBody: 'two' },
      ],
    });
  });
});
