import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import {
  startLocalStack,
  type LocalStack,
  type StackEndpoints,
} from '../scripts/local-stack/index.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: StackEndpoints;
  }
}

let stack: LocalStack | undefined;

/** One local stack per test run; each test file provisions its own queues, bucket and table. */
export async function setup(project: TestProject): Promise<void> {
  stack = await startLocalStack({
    stateDir: join(import.meta.dirname, '..', '.local', 'test-stack'),
  });
  project.provide('stack', {
    region: stack.region,
    sqsEndpoint: stack.sqsEndpoint,
    s3Endpoint: stack.s3Endpoint,
    dynamodbEndpoint: stack.dynamodbEndpoint,
  });
}

/** Runs after the last test, passed or failed; stops the servers by PID. */
export async function teardown(): Promise<void> {
  await stack?.stop();
}
