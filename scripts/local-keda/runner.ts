import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalScaledJob } from './manifests.ts';
import type { PidFile } from './pids.ts';
import { LocalPod, type PodExit } from './pod.ts';
import { decideScale, sqsQueueLength, type ScaleDecision } from './scaling.ts';

/**
 * A development stand-in for KEDA's ScaledJob controller: every `pollingInterval` it reads the
 * queue's depth, applies KEDA's formula for the ScaledJob's scaling strategy, and starts that
 * many pods — worker processes with the container's command and environment, pointed at the
 * local endpoints — never more than `maxReplicaCount` unfinished at once. One message per pod,
 * as in the cluster; `activeDeadlineSeconds` ends a pod with SIGTERM then SIGKILL; nothing is
 * restarted (backoffLimit 0). It is not KEDA: production scaling is KEDA's. Locally a pod is
 * running as soon as it is started, so KEDA's pending count is always 0 here.
 */
export interface RunnerOptions {
  readonly scaledJob: LocalScaledJob;
  readonly sqs: SQSClient;
  /** The local queue the trigger's queueURL stands for. */
  readonly queueUrl: string;
  /** The repository (the image's /app). */
  readonly root: string;
  /** Pod directories and logs go under here. */
  readonly stateDir: string;
  /** Environment pointing pods at the local endpoints (applied over the container's). */
  readonly overrides: Readonly<Record<string, string>>;
  /** Process groups are recorded here so a later run can stop what a killed run left. */
  readonly pidFile?: PidFile;
  /** Override the ScaledJob's pollingInterval (tests). */
  readonly pollingIntervalMs?: number;
}

export interface PodRecord {
  readonly name: string;
  readonly pid: number;
  readonly startedAt: number;
  /** The job it claimed, from its log. */
  jobId?: string;
  outcome?: string;
  exit?: PodExit;
  killed?: boolean;
}

export interface RunnerEvents {
  poll: [{ queueLength: number; running: number; decision: ScaleDecision }];
  'pod-started': [PodRecord];
  'pod-claimed': [PodRecord];
  'pod-exited': [PodRecord];
  'pod-line': [PodRecord, string];
  'poll-error': [Error];
}

export class LocalScaledJobRunner extends EventEmitter<RunnerEvents> {
  readonly #o: RunnerOptions;
  readonly #pods = new Map<string, { pod: LocalPod; record: PodRecord }>();
  readonly records: PodRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #deadlines = new Set<NodeJS.Timeout>();
  #stopped = false;
  #polling = false;
  /** The most pods that were ever unfinished at once. */
  peakRunning = 0;

  constructor(options: RunnerOptions) {
    super();
    this.#o = options;
    mkdirSync(join(options.stateDir, 'pods'), { recursive: true });
    mkdirSync(join(options.stateDir, 'logs'), { recursive: true });
  }

  get running(): PodRecord[] {
    return [...this.#pods.values()].map((p) => p.record);
  }

  start(): void {
    const interval = this.#o.pollingIntervalMs ?? this.#o.scaledJob.pollingIntervalSeconds * 1000;
    const tick = () => {
      void this.poll().finally(() => {
        if (!this.#stopped) this.#timer = setTimeout(tick, interval);
      });
    };
    tick();
  }

  /** One polling cycle: read the depth, decide, start pods. */
  async poll(): Promise<ScaleDecision | undefined> {
    if (this.#polling || this.#stopped) return undefined;
    this.#polling = true;
    try {
      const out = await this.#o.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#o.queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = out.Attributes ?? {};
      const sj = this.#o.scaledJob;
      const queueLength = sqsQueueLength(
        {
          visible: Number(a.ApproximateNumberOfMessages ?? 0),
          inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
          delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0),
        },
        sj.trigger,
      );
      const running = this.#pods.size;
      const decision = decideScale({
        queueLength,
        trigger: sj.trigger,
        strategy: sj.strategy,
        minReplicaCount: sj.minReplicaCount,
        maxReplicaCount: sj.maxReplicaCount,
        running,
        pending: 0,
      });
      this.emit('poll', { queueLength, running, decision });
      for (let i = 0; i < decision.create && !this.#stopped; i++) this.#startPod();
      return decision;
    } catch (err) {
      // KEDA keeps polling when the scaler errors; so does this.
      this.emit('poll-error', err as Error);
      return undefined;
    } finally {
      this.#polling = false;
    }
  }

  #startPod(): void {
    const sj = this.#o.scaledJob;
    const name = `${sj.name}-${randomBytes(3).toString('hex')}`;
    const record: PodRecord = { name, pid: 0, startedAt: Date.now() };
    const pod = new LocalPod({
      name,
      container: sj.container,
      root: this.#o.root,
      podDir: join(this.#o.stateDir, 'pods', name),
      overrides: this.#o.overrides,
      labels: { 'scaledjob.keda.sh/name': sj.name, 'batch.kubernetes.io/job-name': name },
      logFile: join(this.#o.stateDir, 'logs', `${name}.log`),
      onLine: (line) => this.#onLine(record, line),
    });
    (record as { pid: number }).pid = pod.pid;
    this.#pods.set(name, { pod, record });
    this.records.push(record);
    this.peakRunning = Math.max(this.peakRunning, this.#pods.size);
    this.#o.pidFile?.add(name, pod.pid, this.#o.root);
    this.emit('pod-started', record);
    if (sj.activeDeadlineSeconds !== undefined) {
      const t = setTimeout(() => {
        this.#deadlines.delete(t);
        void pod.terminate(sj.terminationGracePeriodSeconds);
      }, sj.activeDeadlineSeconds * 1000);
      this.#deadlines.add(t);
      void pod.exited.then(() => {
        clearTimeout(t);
        this.#deadlines.delete(t);
      });
    }
    void pod.exited.then((exit) => {
      record.exit = exit;
      this.#pods.delete(name);
      this.#o.pidFile?.remove(pod.pid);
      this.emit('pod-exited', record);
    });
  }

  #onLine(record: PodRecord, line: string): void {
    this.emit('pod-line', record, line);
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as { msg?: string; jobId?: string; outcome?: string };
      if (entry.msg === 'job claimed' && entry.jobId) {
        record.jobId = entry.jobId;
        this.emit('pod-claimed', record);
      }
      if (entry.msg === 'worker done' && entry.outcome) record.outcome = entry.outcome;
    } catch {
      // not a log line of ours
    }
  }

  /** SIGKILL a pod's whole process group (fault injection: a lost node, an OOM kill). */
  kill(name: string): boolean {
    const entry = this.#pods.get(name);
    if (!entry) return false;
    entry.record.killed = true;
    entry.pod.kill();
    return true;
  }

  /** Resolves when the queue is empty and no pod is running, polling at `everyMs`. */
  async idle(options: { everyMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const out = await this.#o.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#o.queueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      const a = out.Attributes ?? {};
      const depth =
        Number(a.ApproximateNumberOfMessages ?? 0) +
        Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) +
        Number(a.ApproximateNumberOfMessagesDelayed ?? 0);
      if (depth === 0 && this.#pods.size === 0) return;
      if (Date.now() > deadline)
        throw new Error(
          `still ${depth} message(s) and ${this.#pods.size} pod(s) after the timeout`,
        );
      await new Promise((r) => setTimeout(r, options.everyMs ?? 500));
    }
  }

  /** Stops polling and ends every pod as Kubernetes would (SIGTERM, grace, SIGKILL). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    for (const t of this.#deadlines) clearTimeout(t);
    await Promise.all(
      [...this.#pods.values()].map(({ pod }) =>
        pod.terminate(this.#o.scaledJob.terminationGracePeriodSeconds),
      ),
    );
  }
}
