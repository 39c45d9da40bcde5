import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DependencyRejectedError,
  InterruptedError,
  InvalidMediaError,
  TransientError,
} from '../base/errors.ts';
import { systemClock } from '../base/time.ts';
import type { DeadLetterReason } from '../contract/dead-letter.ts';
import type { S3Location } from '../contract/s3-uri.ts';
import type { Decision, JobRecord } from '../record/job-record.ts';
import type { UNKNOWN_RECORD } from '../record/store.ts';
import { sourceInfo } from '../transcode/source/fixtures.ts';
import type { SourceInfo } from '../transcode/source/source-info.ts';
import type { TranscodeInput } from '../transcode/inputs.ts';
import type { TranscodeResult } from '../transcode/finish/result.ts';
import type { JobSettings } from './base/context.ts';
import type {
  LedgerPort,
  QueuePort,
  ReceivedMessage,
  StoragePort,
  TranscoderPort,
  UploadItem,
  WorkerDeps,
} from './base/ports.ts';
import { processMessage } from './process-message.ts';

/**
 * The worker's use case on fake ports: every port is an in-memory object that records what it
 * was asked, and a step can be made to fail, hang until shutdown, or lose the lease. The
 * integration tests (test/worker/) run the same path on DynamoDB Local, fauxqs and ffmpeg.
 */

type Step = 'download' | 'transcode' | 'upload';

class FakeQueue implements QueuePort {
  readonly calls: string[] = [];
  readonly deadLetters: DeadLetterReason[] = [];
  readonly visibility: number[] = [];
  receiveOne(): Promise<ReceivedMessage | undefined> {
    return Promise.resolve(undefined);
  }
  changeVisibility(_handle: string, seconds: number): Promise<void> {
    this.visibility.push(seconds);
    return Promise.resolve();
  }
  ack(): Promise<void> {
    this.calls.push('ack');
    return Promise.resolve();
  }
  sendAll(): Promise<void> {
    this.calls.push('send');
    return Promise.resolve();
  }
  deadLetter(_m: ReceivedMessage, reason: DeadLetterReason): Promise<void> {
    this.calls.push('dead-letter');
    this.deadLetters.push(reason);
    return Promise.resolve();
  }
}

/** The record store as DynamoDB does it, minus the conditions no other writer can break here. */
class FakeLedger implements LedgerPort {
  readonly records = new Map<string, JobRecord>();
  get(jobId: string): Promise<JobRecord | undefined> {
    return Promise.resolve(this.records.get(jobId));
  }
  transition<R>(
    jobId: string,
    decide: (current: JobRecord | undefined) => Decision<R>,
    options: { known: JobRecord | undefined | typeof UNKNOWN_RECORD; signal?: AbortSignal },
  ): Promise<R> {
    if (options.signal?.aborted) return Promise.reject(options.signal.reason as Error);
    const decision = decide(this.records.get(jobId));
    if (decision.write) this.records.set(jobId, decision.write);
    return Promise.resolve(decision.result);
  }
  /** Another worker takes the job over (as after a lease that ran out). */
  stealLease(jobId: string): void {
    const r = this.records.get(jobId)!;
    this.records.set(jobId, {
      ...r,
      version: r.version + 1,
      lease: { owner: 'other-worker', expiresAt: Date.now() + 60_000 },
    });
  }
}

/** Storage and transcoder in one: each step can be told how to behave. */
class Steps implements StoragePort, TranscoderPort {
  readonly done: Step[] = [];
  readonly uploaded: UploadItem[] = [];
  behaviour: Partial<Record<Step, 'hang' | (() => unknown)>> = {};

  async #step(step: Step, signal?: AbortSignal): Promise<void> {
    const b = this.behaviour[step];
    if (b === 'hang') {
      await new Promise<void>((_, reject) => {
        if (signal?.aborted) reject(signal.reason as Error);
        signal?.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
      });
    } else if (b) {
      // The step's own behaviour: throw what it returns (or let it throw).
      throw b();
    }
    this.done.push(step);
  }
  head(): Promise<{ size: number }> {
    return Promise.resolve({ size: 1000 });
  }
  async download(_l: S3Location, destination: string, _e: unknown, signal?: AbortSignal) {
    await this.#step('download', signal);
    await writeFile(destination, 'source');
    return 6;
  }
  async transcode(input: TranscodeInput): Promise<TranscodeResult> {
    await this.#step('transcode', input.signal);
    const path = join(input.outDir, 'poster.jpg');
    await writeFile(path, 'jpg');
    return {
      source: sourceInfo(),
      audio: 'encoded',
      warnings: [],
      subtitles: { published: [], leftOut: [] },
      audioRenditions: [],
      renditions: [
        {
          name: '360p',
          codec: 'h264',
          width: 640,
          height: 360,
          codecs: 'avc1.64001e,mp4a.40.2',
          frameRate: 30,
          durationSeconds: 12,
          averageBitrateKbps: 800,
          peakBitrateKbps: 1000,
          mp4: { key: 'mp4/360p.mp4', size: 3 },
        },
      ],
      files: [
        {
          relativeKey: 'poster.jpg',
          path,
          size: 3,
          contentType: 'image/jpeg',
          cacheControl: 'public',
        },
      ],
      poster: 'poster.jpg',
    };
  }
  async uploadAll(items: readonly UploadItem[], signal?: AbortSignal): Promise<void> {
    await this.#step('upload', signal);
    this.uploaded.push(...items);
  }
  checkCodecs(): Promise<void> {
    return Promise.resolve();
  }
  probe(): Promise<SourceInfo> {
    return Promise.resolve(sourceInfo());
  }
  // Sources are never split here (test/worker/split.test.ts splits real ones).
  planChunks(): undefined {
    return undefined;
  }
  cutPieces(): Promise<never> {
    return Promise.reject(new Error('not split in these tests'));
  }
  cutAudioPiece(): Promise<never> {
    return Promise.reject(new Error('not split in these tests'));
  }
  encodeChunk(): Promise<never> {
    return Promise.reject(new Error('not split in these tests'));
  }
  encodeAudio(): Promise<never> {
    return Promise.reject(new Error('not split in these tests'));
  }
  assemble(): Promise<never> {
    return Promise.reject(new Error('not split in these tests'));
  }
  putText(): Promise<void> {
    return Promise.reject(new Error('not split in these tests'));
  }
  getText(): Promise<string> {
    return Promise.reject(new Error('not split in these tests'));
  }
  list(): Promise<never[]> {
    return Promise.resolve([]);
  }
  removePrefix(): Promise<number> {
    return Promise.resolve(0);
  }
}

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'kt-process-'));
});
afterEach(async () => {
  await rm(workDir, { recursive: true, force: true });
});

function setup(
  receiveCount = 1,
  body = JSON.stringify({ version: 1, jobId: 'job-1', input: 's3://media/in/a.mp4' }),
) {
  const queue = new FakeQueue();
  const ledger = new FakeLedger();
  const steps = new Steps();
  const deps: WorkerDeps = {
    queue,
    ledger,
    storage: steps,
    transcoder: steps,
    logger: pino({ level: 'silent' }),
    clock: systemClock,
  };
  const settings: JobSettings = {
    output: { bucket: 'media', key: 'out/' },
    maxReceiveCount: 3,
    retryDelaySeconds: 30,
    retryDelayMaxSeconds: 300,
    visibilityTimeoutSeconds: 60,
    heartbeatSeconds: 0.02,
    shutdownGraceSeconds: 10,
    workDir,
    workerId: 'this-worker',
    maxMessageBytes: 64 * 1024,
    maxInputBytes: 1e9,
    outputSizeFactor: 1,
    recordTtlSeconds: undefined,
    eventsSource: 'keda-transcoder',
    workUri: { bucket: 'media', key: 'out/_work/' },
  };
  const message: ReceivedMessage = {
    messageId: 'm-1',
    receiptHandle: 'h-1',
    body,
    receiveCount,
    attributes: {},
    rawAttributes: {},
  };
  const shutdown = new AbortController();
  const run = () => processMessage(deps, settings, message, shutdown.signal);
  return { queue, ledger, steps, shutdown, run, record: () => ledger.records.get('job-1') };
}

describe('processMessage on fake ports', () => {
  it('claims, downloads, transcodes, uploads, records SUCCEEDED and deletes the message', async () => {
    const t = setup();
    expect(await t.run()).toBe('succeeded');
    expect(t.steps.done).toEqual(['download', 'transcode', 'upload']);
    expect(t.steps.uploaded.map((u) => u.location)).toEqual([
      { bucket: 'media', key: 'out/job-1/poster.jpg' },
    ]);
    expect(t.record()).toMatchObject({ status: 'SUCCEEDED', attempts: 1, retries: 0 });
    expect(t.queue.calls).toEqual(['ack']);
  });

  it('leaves the message alone when another worker holds a live lease on the job', async () => {
    const first = setup();
    first.ledger.records.set('job-1', {
      jobId: 'job-1',
      status: 'RUNNING',
      version: 3,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
      attempts: 1,
      retries: 0,
      lease: { owner: 'other-worker', expiresAt: Date.now() + 60_000 },
      history: [],
    });
    expect(await first.run()).toBe('busy');
    expect(first.steps.done).toEqual([]);
    expect(first.queue.calls).toEqual([]);
    expect(first.record()).toMatchObject({ status: 'RUNNING', version: 3 });
  });

  it('abandons the attempt, touching neither record nor message, when the lease is lost mid-run', async () => {
    const t = setup();
    t.steps.behaviour.transcode = 'hang';
    const outcome = t.run();
    // The heartbeat (every 20 ms here) finds the lease taken and stops the transcode.
    await waitFor(() => t.record()?.status === 'RUNNING');
    t.ledger.stealLease('job-1');
    const stolen = t.record();
    expect(await outcome).toBe('abandoned');
    expect(t.record()).toEqual(stolen);
    expect(t.queue.calls).toEqual([]);
  });

  it('retries a failed upload that may pass, with backoff, recording the attempt', async () => {
    const t = setup();
    t.steps.behaviour.upload = () => new TransientError('S3 PutObject failed: SlowDown (HTTP 503)');
    expect(await t.run()).toBe('retry-scheduled');
    expect(t.record()).toMatchObject({
      status: 'QUEUED',
      error: { code: 'TRANSIENT', retryable: true },
    });
    expect(t.queue.visibility.at(-1)).toBeGreaterThanOrEqual(30);
    expect(t.queue.calls).toEqual([]);
  });

  it('dead-letters an upload that AWS refuses, and the last retry of one that may pass', async () => {
    const refused = setup();
    refused.steps.behaviour.upload = () => new DependencyRejectedError('AccessDenied (HTTP 403)');
    expect(await refused.run()).toBe('dead-lettered');
    expect(refused.record()).toMatchObject({ status: 'FAILED' });
    expect(refused.queue.calls).toEqual(['dead-letter', 'ack']);

    const last = setup(3);
    last.steps.behaviour.upload = () => new TransientError('SlowDown');
    expect(await last.run()).toBe('dead-lettered');
    expect(last.queue.deadLetters).toEqual([
      { jobId: 'job-1', code: 'TRANSIENT', message: 'SlowDown' },
    ]);
  });

  it('gives up at once on a broken source', async () => {
    const t = setup();
    t.steps.behaviour.transcode = () => new InvalidMediaError('the source has no video stream');
    expect(await t.run()).toBe('dead-lettered');
    expect(t.record()).toMatchObject({ status: 'FAILED', error: { code: 'INVALID_MEDIA' } });
  });

  it('crashes on an error outside the model: FAILED as INTERNAL, DLQ at once, never retried', async () => {
    const t = setup();
    t.steps.behaviour.transcode = () =>
      new TypeError("Cannot read properties of undefined (reading 'width')");
    expect(await t.run()).toBe('crashed');
    expect(t.record()).toMatchObject({
      status: 'FAILED',
      error: { code: 'INTERNAL', retryable: false },
    });
    expect(t.queue.deadLetters[0]).toMatchObject({ code: 'INTERNAL' });
    expect(t.queue.calls).toEqual(['dead-letter', 'ack']);
  });

  it.each(['download', 'transcode', 'upload'] as const)(
    'hands the job straight back when shut down during the %s',
    async (step) => {
      const t = setup();
      t.steps.behaviour[step] = 'hang';
      const outcome = t.run();
      await waitFor(() => t.record()?.status === 'RUNNING');
      t.shutdown.abort(new InterruptedError('the worker received SIGTERM'));
      expect(await outcome).toBe('retry-scheduled');
      expect(t.queue.visibility.at(-1)).toBe(0);
      expect(t.record()).toMatchObject({ status: 'QUEUED', error: { code: 'INTERRUPTED' } });
      expect(t.record()?.history.at(-1)).toMatchObject({ outcome: 'interrupted' });
      expect(t.queue.calls).toEqual([]);
    },
  );

  it('hands the message straight back when shut down before the claim', async () => {
    const t = setup();
    t.shutdown.abort(new InterruptedError('the worker received SIGTERM'));
    expect(await t.run()).toBe('retry-scheduled');
    expect(t.queue.visibility).toEqual([0]);
    expect(t.record()).toBeUndefined();
    expect(t.steps.done).toEqual([]);
  });

  it('rejects a body that is not a job: FAILED and the DLQ at once, nothing run', async () => {
    const t = setup(1, '{"version": 1, "jobId": "job-1", "input": "not a uri"}');
    expect(await t.run()).toBe('dead-lettered');
    expect(t.record()).toMatchObject({ status: 'FAILED', error: { code: 'INVALID_MESSAGE' } });
    expect(t.queue.calls).toEqual(['dead-letter', 'ack']);
    expect(t.steps.done).toEqual([]);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
