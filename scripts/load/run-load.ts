import { createReadStream, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
} from '@aws-sdk/client-sqs';
import { Upload } from '@aws-sdk/lib-storage';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DLQ_ATTRIBUTES } from '../../worker/src/contract/dead-letter.ts';
import { DynamoLedger } from '../../worker/src/ledger/dynamo-ledger.ts';
import type { JobRecord, Stats } from '../../worker/src/record/job-record.ts';
import { localClients, type StackEndpoints } from '../local-stack/index.ts';
import { startLocalSystem } from '../local-keda/system.ts';
import { isJobItem } from '../../worker/src/contract/table.ts';

/**
 * The load run: `jobs` small jobs through the local ScaledJob runner, `failures` of them
 * meant to fail (their source does not exist), while a seeded fraction of the worker pods is
 * SIGKILLed at a random moment after it claimed a job (each job at most once, so no job runs
 * out of receives by our hand). Afterwards it reads everything back: the ledger, the stats and
 * the dead-letter queue. `npm run load` runs 200; the test suite runs a smaller one.
 */
export interface LoadOptions {
  readonly root: string;
  readonly stack: StackEndpoints;
  /** A deployment config file (the test makes one with names of its own). */
  readonly configFile: string;
  readonly stateDir: string;
  readonly jobs: number;
  readonly failures: number;
  readonly killFraction: number;
  /** A tiny source clip, uploaded once and used by every valid job. */
  readonly clip: string;
  readonly seed?: number;
  readonly timeoutMs?: number;
  readonly log?: (line: string) => void;
}

export interface LoadReport {
  readonly durationMs: number;
  readonly sent: { readonly valid: string[]; readonly intendedFailures: string[] };
  readonly records: JobRecord[];
  readonly stats: Stats;
  readonly ledger: Stats;
  /** Job ids found in the DLQ, one entry per message (duplicates would show twice). */
  readonly deadLetters: string[];
  readonly pods: {
    readonly started: number;
    readonly peak: number;
    /** The pods SIGKILLed, with the job each held. */
    readonly killed: { readonly pod: string; readonly jobId: string }[];
  };
  /** Processes still alive in a pod's directory after the run (should be none). */
  readonly orphans: string[];
}

export async function runLoad(o: LoadOptions): Promise<LoadReport> {
  const log = o.log ?? (() => undefined);
  const random = mulberry32(o.seed ?? 20261121);
  const system = await startLocalSystem({
    root: o.root,
    stateDir: o.stateDir,
    stack: o.stack,
    configFile: o.configFile,
    pollingIntervalMs: 500,
  });
  const clients = localClients(o.stack);
  try {
    const { resources, runner } = system;
    const key = 'uploads/load.mp4';
    await new Upload({
      client: clients.s3,
      params: { Bucket: resources.bucket, Key: key, Body: createReadStream(o.clip) },
    }).done();

    // Which jobs fail on purpose, spread through the run.
    const ids = Array.from({ length: o.jobs }, (_, i) => `load-${String(i).padStart(4, '0')}`);
    const failing = new Set(shuffle(ids, random).slice(0, o.failures));
    const valid = ids.filter((id) => !failing.has(id));

    // The killer: the pods that claim a chosen tenth of the jobs die at a random moment after
    // the claim, once per job (a job that ends before the blow simply escapes it).
    const doomed = new Set(shuffle(ids, random).slice(0, Math.round(o.jobs * o.killFraction)));
    const killed: { pod: string; jobId: string }[] = [];
    runner.on('pod-claimed', (pod) => {
      const jobId = pod.jobId!;
      if (!doomed.delete(jobId)) return;
      setTimeout(() => {
        if (runner.kill(pod.name)) {
          killed.push({ pod: pod.name, jobId });
          log(`killed ${pod.name} holding ${jobId}`);
        }
      }, random() * 600);
    });

    const started = Date.now();
    for (let i = 0; i < ids.length; i += 10) {
      await clients.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: resources.queueUrl,
          Entries: ids.slice(i, i + 10).map((jobId, j) => ({
            Id: String(j),
            MessageBody: JSON.stringify({
              version: 1,
              jobId,
              input: `s3://${resources.bucket}/${failing.has(jobId) ? 'uploads/missing.mp4' : key}`,
              ladder: [{ height: 144 }],
              formats: ['mp4'],
            }),
          })),
        }),
      );
    }
    log(`sent ${ids.length} jobs (${failing.size} meant to fail)`);
    let lastReport = 0;
    runner.on('pod-exited', () => {
      if (Date.now() - lastReport > 5000) {
        lastReport = Date.now();
        log(`${runner.records.length} pods so far, ${killed.length} killed`);
      }
    });
    await runner.idle({ timeoutMs: o.timeoutMs ?? 15 * 60_000 });
    const durationMs = Date.now() - started;

    const ledger = new DynamoLedger(clients.dynamodb, resources.tableName);
    const records = await scanRecords(clients, resources.tableName);
    const count = (s: string) => records.filter((r) => r.status === s).length;
    return {
      durationMs,
      sent: { valid, intendedFailures: [...failing] },
      records,
      stats: await ledger.stats(),
      ledger: {
        succeeded: count('SUCCEEDED'),
        failed: count('FAILED'),
        running: count('RUNNING'),
        retries: records.reduce((sum, r) => sum + r.retries, 0),
      },
      deadLetters: await drainJobIds(clients, resources.deadLetterQueueUrl),
      pods: {
        started: runner.records.length,
        peak: runner.peakRunning,
        killed,
      },
      orphans: findOrphans(join(o.stateDir, 'pods')),
    };
  } finally {
    await system.stop();
  }
}

async function scanRecords(
  clients: ReturnType<typeof localClients>,
  table: string,
): Promise<JobRecord[]> {
  const records: JobRecord[] = [];
  let start: Record<string, never> | undefined;
  do {
    const out = await clients.dynamodb.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    for (const item of out.Items ?? []) {
      const plain = unmarshall(item);
      if (isJobItem(plain)) records.push(plain as unknown as JobRecord);
    }
    start = out.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  return records;
}

async function drainJobIds(
  clients: ReturnType<typeof localClients>,
  queueUrl: string,
): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const out = await clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length === 0) return ids;
    for (const m of messages)
      ids.push(m.MessageAttributes?.[DLQ_ATTRIBUTES.jobId]?.StringValue ?? `?${m.MessageId}`);
    await clients.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
}

/** Any process whose command line names a pod directory of this run. */
function findOrphans(podsDir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmd.includes(podsDir)) found.push(`${entry}: ${cmd.slice(0, 120)}`);
    } catch {
      // gone
    }
  }
  return found;
}

function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const a = [...items];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

/** A small seeded PRNG, so a failing run can be replayed with its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** What must hold after a load run; every broken promise, in words. */
export function loadViolations(r: LoadReport): string[] {
  const v: string[] = [];
  const byId = new Map(r.records.map((rec) => [rec.jobId, rec]));
  for (const id of r.sent.valid)
    if (byId.get(id)?.status !== 'SUCCEEDED')
      v.push(`${id}: ${byId.get(id)?.status ?? 'no record'}, expected SUCCEEDED`);
  for (const id of r.sent.intendedFailures)
    if (byId.get(id)?.status !== 'FAILED')
      v.push(`${id}: ${byId.get(id)?.status ?? 'no record'}, expected FAILED`);
  const sent = r.sent.valid.length + r.sent.intendedFailures.length;
  if (r.records.length !== sent) v.push(`${r.records.length} records for ${sent} jobs`);
  for (const field of ['succeeded', 'failed', 'running', 'retries'] as const)
    if (r.stats[field] !== r.ledger[field])
      v.push(`stats.${field} ${r.stats[field]} but the ledger says ${r.ledger[field]}`);
  const dead = new Set(r.deadLetters);
  const intended = new Set(r.sent.intendedFailures);
  for (const id of dead)
    if (!intended.has(id)) v.push(`${id} is in the DLQ but was not meant to fail`);
  for (const id of intended)
    if (!dead.has(id)) v.push(`${id} was meant to fail but is not in the DLQ`);
  for (const { pod, jobId } of r.pods.killed) {
    const rec = byId.get(jobId);
    const i = rec?.history.findIndex((h) => h.worker === pod) ?? -1;
    if (!rec || i === -1) continue; // killed before its claim was written
    const attempt = rec.history[i]!;
    if (attempt.outcome === undefined) v.push(`${jobId}: the killed attempt by ${pod} never ended`);
    if (attempt.outcome === 'lost' && i === rec.history.length - 1)
      v.push(`${jobId}: no attempt followed the one lost with ${pod}`);
  }
  const lost = r.records.flatMap((rec) => rec.history.filter((h) => h.outcome === 'lost'));
  if (lost.length > r.pods.killed.length)
    v.push(`${lost.length} attempts lost, but only ${r.pods.killed.length} pods were killed`);
  for (const o of r.orphans) v.push(`orphan process: ${o}`);
  return v;
}
