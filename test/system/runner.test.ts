import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { startLocalSystem, type LocalSystem } from '../../scripts/local-keda/system.ts';
import { localClients } from '../../scripts/local-stack/index.ts';
import { DynamoLedger } from '../../worker/src/ledger/dynamo-ledger.ts';
import { makeClip } from '../support/clips.ts';
import { ROOT } from '../support/env.ts';
import { localConfigFile } from '../support/system.ts';
import { Upload } from '@aws-sdk/lib-storage';
import { createReadStream } from 'node:fs';

describe('the local ScaledJob runner, on the synthesized ScaledJob', () => {
  let system: LocalSystem;
  const stack = inject('stack');
  const clients = localClients(stack);

  beforeAll(async () => {
    const { file, dir } = localConfigFile('runner', (c) => ({
      ...c,
      worker: { ...c.worker, idleTimeoutSeconds: 2 },
      scaling: { ...c.scaling, maxReplicaCount: 2 },
    }));
    system = await startLocalSystem({
      root: ROOT,
      stateDir: dir,
      stack,
      configFile: file,
      pollingIntervalMs: 500,
    });
  });
  afterAll(async () => {
    await system?.stop();
  });

  it('starts one pod per message, never more than maxReplicaCount, and every job succeeds', async () => {
    const clip = await makeClip({ seconds: 1, width: 320, height: 180 });
    const key = 'uploads/runner.mp4';
    await new Upload({
      client: clients.s3,
      params: { Bucket: system.resources.bucket, Key: key, Body: createReadStream(clip) },
    }).done();
    const ids = ['r-1', 'r-2', 'r-3', 'r-4', 'r-5'];
    for (const jobId of ids) {
      await clients.sqs.send(
        new SendMessageCommand({
          QueueUrl: system.resources.queueUrl,
          MessageBody: JSON.stringify({
            version: 1,
            jobId,
            input: `s3://${system.resources.bucket}/${key}`,
            ladder: [{ height: 144 }],
            formats: ['mp4'],
          }),
        }),
      );
    }
    await system.runner.idle({ timeoutMs: 120_000 });
    const ledger = new DynamoLedger(clients.dynamodb, system.resources.tableName);
    const records = await Promise.all(ids.map((id) => ledger.get(id)));
    expect(records.map((r) => r?.status)).toEqual(ids.map(() => 'SUCCEEDED'));
    expect(system.runner.peakRunning).toBeLessThanOrEqual(2);
    expect(system.runner.peakRunning).toBe(2);
    const claimed = system.runner.records.filter((p) => p.jobId);
    expect(claimed.map((p) => p.jobId).sort()).toEqual(ids);
    // The pod's name reached the worker through the manifest's fieldRef (WORKER_ID).
    for (const record of records)
      expect(claimed.map((p) => p.name)).toContain(record!.history.at(-1)!.worker);
    expect(system.runner.records.every((p) => p.exit?.code === 0)).toBe(true);
  });
});
