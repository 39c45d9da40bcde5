import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateQueueCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { readScaledJob } from '../../scripts/local-keda/manifests.ts';
import { LocalScaledJobRunner, type PollEvent } from '../../scripts/local-keda/runner.ts';
import { localClients } from '../../scripts/local-stack/index.ts';
import { ROOT } from '../support/env.ts';

/**
 * The runner counts pods that have not started yet as KEDA counts pending Jobs. Pods here are
 * real processes that hold on for a while and take no message, so the queue depth stays put and
 * only the running/pending counts decide what each poll starts.
 */
describe('the local runner counts pending Jobs as KEDA does', () => {
  const stack = inject('stack');
  const clients = localClients(stack);
  let runner: LocalScaledJobRunner | undefined;
  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  async function queueWith(messages: number): Promise<string> {
    const name = `pending-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
    const { QueueUrl } = await clients.sqs.send(new CreateQueueCommand({ QueueName: name }));
    await clients.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: QueueUrl!,
        Entries: Array.from({ length: messages }, (_, i) => ({
          Id: String(i),
          MessageBody: '{}',
        })),
      }),
    );
    return QueueUrl!;
  }

  function scaledJob(strategy: Record<string, unknown>) {
    return readScaledJob([
      {
        kind: 'ScaledJob',
        metadata: { name: 'pending' },
        spec: {
          pollingInterval: 1,
          maxReplicaCount: 10,
          scalingStrategy: strategy,
          triggers: [
            {
              type: 'aws-sqs-queue',
              metadata: {
                queueURL: 'https://sqs.eu-west-1.amazonaws.com/000000000000/pending',
                awsRegion: 'eu-west-1',
                queueLength: '1',
                // Messages nobody takes stay visible: the metric stays 3.
                scaleOnInFlight: 'false',
              },
            },
          ],
          jobTargetRef: {
            template: {
              spec: {
                containers: [
                  {
                    name: 'sleeper',
                    command: ['node', '-e', 'setTimeout(() => {}, 2500)'],
                  },
                ],
              },
            },
          },
        },
      },
    ]);
  }

  async function run(strategy: Record<string, unknown>, podStartDelayMs: number) {
    const queueUrl = await queueWith(3);
    const polls: PollEvent[] = [];
    runner = new LocalScaledJobRunner({
      scaledJob: scaledJob(strategy),
      sqs: clients.sqs,
      queueUrl,
      root: ROOT,
      stateDir: mkdtempSync(join(tmpdir(), 'kt-pending-')),
      overrides: {},
      pollingIntervalMs: 150,
      podStartDelayMs,
    });
    runner.on('poll', (p) => polls.push(p));
    runner.start();
    await new Promise((r) => setTimeout(r, podStartDelayMs - 300));
    return { runner, polls };
  }

  it('accurate: pods still pending are subtracted, so the same 3 messages start 3 pods, not one batch per poll', async () => {
    const { runner, polls } = await run({ strategy: 'accurate' }, 1500);
    // Several polls ran while the first three pods were pending; none started more.
    expect(polls.length).toBeGreaterThanOrEqual(4);
    expect(polls[0]).toMatchObject({ queueLength: 3, running: 0, pending: 0 });
    expect(polls[0]!.decision.create).toBe(3);
    for (const p of polls.slice(1)) expect(p).toMatchObject({ running: 3, pending: 3 });
    expect(runner.records).toHaveLength(3);
    expect(runner.records.every((r) => r.phase === 'Pending' && r.pid === 0)).toBe(true);
  });

  it('accurate: once the pods run they are no longer pending, and KEDA assumes the queue excludes their messages', async () => {
    const { runner, polls } = await run({ strategy: 'accurate' }, 400);
    // Until a poll sees the three pods running (their processes started: on a loaded machine
    // that takes longer than the 400 ms "node" wait), or 20 s.
    const started = await vi.waitFor(
      () => {
        const seen = polls.find((p) => p.running === 3 && p.pending === 0);
        if (!seen) throw new Error('no poll has seen the three pods running yet');
        return seen;
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(started.decision.create).toBe(3);
    await vi.waitFor(() => expect(runner.records.length).toBeGreaterThan(3), { timeout: 5_000 });
  });

  it('pendingPodConditions: a pod counts as pending until it has every listed condition', async () => {
    // "Ready" holds once the container has started; a condition no local pod ever has keeps
    // every Job pending.
    const { polls } = await run(
      { strategy: 'accurate', pendingPodConditions: ['Ready', 'example.com/Warm'] },
      400,
    );
    await new Promise((r) => setTimeout(r, 1200));
    const late = polls.at(-1)!;
    expect(late.running).toBe(3);
    expect(late.pending).toBe(3);
    expect(late.decision.create).toBe(0);
  });
});
