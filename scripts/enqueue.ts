/**
 * `npm run enqueue -- <file | s3://bucket/key> [jobId]`: sends one job message to QUEUE_URL.
 * A local file is first uploaded to the bucket of OUTPUT_URI under uploads/. Reads the same
 * environment as the worker (e.g. .local/stack.env from `npm run stack`).
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { loadConfig } from '../worker/src/config.ts';
import { createAwsClients } from '../worker/src/deps.ts';

const [target, jobId] = process.argv.slice(2);
if (!target) {
  console.error('usage: npm run enqueue -- <file | s3://bucket/key> [jobId]');
  process.exit(2);
}
const config = loadConfig();
const clients = createAwsClients(config);
let input = target;
if (!target.startsWith('s3://')) {
  const key = `uploads/${Date.now()}-${basename(target).replace(/[^A-Za-z0-9._-]/g, '_')}`;
  await clients.s3.send(
    new PutObjectCommand({ Bucket: config.output.bucket, Key: key, Body: readFileSync(target) }),
  );
  input = `s3://${config.output.bucket}/${key}`;
  console.log(`uploaded ${target} to ${input}`);
}
const body = { version: 1, input, ...(jobId ? { jobId } : {}) };
const sent = await clients.sqs.send(
  new SendMessageCommand({ QueueUrl: config.queueUrl, MessageBody: JSON.stringify(body) }),
);
console.log(`sent ${JSON.stringify(body)} as message ${sent.MessageId}`);
clients.destroy();
