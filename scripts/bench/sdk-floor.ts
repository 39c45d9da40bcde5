/**
 * The cold-start floor for any Node worker on the AWS SDK v3: load the SQS client, make one,
 * send one ReceiveMessage. The benchmark bundles it like the worker and times it the same way;
 * what the worker takes beyond this is its own (configuration, logging, the other clients).
 */
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({
  region: process.env.AWS_REGION,
  ...(process.env.AWS_ENDPOINT_URL_SQS ? { endpoint: process.env.AWS_ENDPOINT_URL_SQS } : {}),
});
await sqs.send(
  new ReceiveMessageCommand({
    QueueUrl: process.env.QUEUE_URL,
    MaxNumberOfMessages: 1,
    WaitTimeSeconds: 1,
  }),
);
