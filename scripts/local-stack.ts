/**
 * `npm run stack`: starts the local AWS stack (DynamoDB Local + fauxqs on 127.0.0.1), creates
 * the work queue, its DLQ, the media bucket and the ledger table, writes the worker's
 * environment to .local/stack.env, and runs until Ctrl-C, when it stops both servers by PID.
 * `npm run stack -- stop` stops a stack left behind by a killed run.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  localClients,
  startLocalStack,
  stopRecorded,
  workerEnvironment,
} from './local-stack/index.ts';
import { provision } from './local-stack/provision.ts';

const root = join(import.meta.dirname, '..');
const stateDir = join(root, '.local', 'stack');

if (process.argv[2] === 'stop') {
  await stopRecorded(stateDir);
  console.log('local stack stopped');
  process.exit(0);
}

const stack = await startLocalStack({ stateDir });
const clients = localClients(stack);
const resources = await provision(clients, { prefix: 'local' });
const env = workerEnvironment(stack, resources, { WORK_DIR: join(root, '.local', 'work') });
const envFile = join(root, '.local', 'stack.env');
writeFileSync(
  envFile,
  Object.entries(env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\n') + '\n',
);

console.log(
  `local stack up (DynamoDB Local ${stack.dynamodbEndpoint}, fauxqs ${stack.sqsEndpoint})`,
);
console.log(`  queue   ${resources.queueUrl}\n  dlq     ${resources.deadLetterQueueUrl}`);
console.log(`  bucket  s3://${resources.bucket}\n  table   ${resources.tableName}`);
console.log(`worker environment written to ${envFile}; in another shell:`);
console.log(
  '  set -a; . .local/stack.env; set +a; npm run enqueue -- <file>; npm run worker; npm run cli -- status <jobId>',
);
console.log('Ctrl-C stops the stack.');

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await stack.stop();
  console.log('local stack stopped');
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
setInterval(() => undefined, 1 << 30);
