import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { LocalScaledJob } from './manifests.ts';
import type { PidFile } from './pids.ts';
import { LocalPod, type PodExit } from './pod.ts';
import {
  countJobs,
  decideScale,
  type PodPhase,
  type ScaleDecision,
  type UnfinishedJob,
} from './scaling.ts';
import { sqsActive, sqsQueueLength } from './sqs-scaler.ts';
import { queueDepth } from '../../worker/src/queue/sqs-attributes.ts';

/**
 * A development stand-in for KEDA's ScaledJob controller: every `pollingInterval` it asks SQS
 * for the attributes the trigger counts, runs KEDA's arithmetic (`scaling.ts`) with its own
 * unfinished Jobs as "running" and those whose pod has not started yet as "pending", and starts
 * what that says — worker processes with the container's command and environment, pointed at
 * the local endpoints. One message per pod, as in the cluster; `activeDeadlineSeconds` ends a
 * pod with SIGTERM then SIGKILL; nothing is restarted (backoffLimit 0). A scaler error (an
 * attribute missing or not an integer, SQS unreachable) starts nothing that cycle, as in KEDA.
 * It is not KEDA: production scaling is KEDA's.
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
  /**
   * How long a new pod stays Pending before its container starts — what scheduling, a new
   * Fargate pod or Karpenter node and the image pull take in a cluster (default 0).
   */
  readonly podStartDelayMs?: number;
}

export interface PodRecord {
  readonly name: string;
  /** 0 until the container has started. */
  readonly pid: number;
  readonly startedAt: number;
  phase: PodPhase;
  /** The job it claimed, from its log. */
  jobId?: string;
  outcome?: string;
  exit?: PodExit;
  killed?: boolean;
}

export interface PollEvent {
  readonly queueLength: number;
  readonly running: number;
  readonly pending: number;
  readonly decision: ScaleDecision;
}

export interface RunnerEvents {
  poll: [PollEvent];
  'pod-started': [PodRecord];
  'pod-claimed': [PodRecord];
  'pod-exited': [PodRecord];
  'pod-line': [PodRecord, string];
  'poll-error': [Error];
}

interface Entry {
  readonly record: PodRecord;
  pod?: LocalPod;
  startTimer?: NodeJS.Timeout;
}

export class LocalScaledJobRunner extends EventEmitter<RunnerEvents> {
  readonly #o: RunnerOptions;
  readonly #pods = new Map<string, Entry>();
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

  /** KEDA's running and pending counts over this runner's unfinished Jobs (one pod each). */
  jobCounts(): { running: number; pending: number } {
    const jobs: UnfinishedJob[] = [...this.#pods.values()].map(({ pod, record }) => {
      const phase = pod?.phase ?? record.phase;
      // Locally a started container is scheduled, initialized and ready at once.
      const conditions =
        phase === 'Pending'
          ? ['PodScheduled']
          : ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'];
      return { pods: [{ phase, conditions }] };
    });
    return countJobs(jobs, this.#o.scaledJob.pendingPodConditions);
  }

  /** One polling cycle: read the metric, decide, start pods. */
  async poll(): Promise<ScaleDecision | undefined> {
    if (this.#polling || this.#stopped) return undefined;
    this.#polling = true;
    try {
      const sj = this.#o.scaledJob;
      const out = await this.#o.sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: this.#o.queueUrl,
          AttributeNames: [...sj.trigger.attributeNames],
        }),
      );
      const queueLength = sqsQueueLength(out.Attributes, sj.trigger);
      const { running, pending } = this.jobCounts();
      const decision = decideScale({
        queueLength,
        target: sj.trigger.queueLength,
        active: sqsActive(queueLength, sj.trigger),
        bounds: sj.bounds,
        strategy: sj.strategy,
        running,
        pending,
      });
      this.emit('poll', { queueLength, running, pending, decision });
      for (let i = 0; i < decision.create && !this.#stopped; i++) this.#startPod();
      return decision;
    } catch (err) {
      // KEDA logs a scaler error, creates nothing this cycle and keeps polling; so does this.
      this.emit('poll-error', err as Error);
      return undefined;
    } finally {
      this.#polling = false;
    }
  }

  #startPod(): void {
    const sj = this.#o.scaledJob;
    const name = `${sj.name}-${randomBytes(3).toString('hex')}`;
    const record: PodRecord = { name, pid: 0, startedAt: Date.now(), phase: 'Pending' };
    const entry: Entry = { record };
    this.#pods.set(name, entry);
    this.records.push(record);
    this.peakRunning = Math.max(this.peakRunning, this.#pods.size);
    const delay = this.#o.podStartDelayMs ?? 0;
    if (delay > 0) entry.startTimer = setTimeout(() => this.#runContainer(entry), delay);
    else this.#runContainer(entry);
  }

  #runContainer(entry: Entry): void {
    const sj = this.#o.scaledJob;
    const { record } = entry;
    delete entry.startTimer;
    if (this.#stopped || record.killed) {
      this.#finish(entry, { code: null, signal: 'SIGKILL' });
      return;
    }
    const pod = new LocalPod({
      name: record.name,
      container: sj.container,
      root: this.#o.root,
      podDir: join(this.#o.stateDir, 'pods', record.name),
      overrides: this.#o.overrides,
      labels: { 'scaledjob.keda.sh/name': sj.name, 'batch.kubernetes.io/job-name': record.name },
      logFile: join(this.#o.stateDir, 'logs', `${record.name}.log`),
      onLine: (line) => this.#onLine(record, line),
    });
    entry.pod = pod;
    (record as { pid: number }).pid = pod.pid;
    this.#o.pidFile?.add(record.name, pod.pid, this.#o.root);
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
      this.#o.pidFile?.remove(pod.pid);
      this.#finish(entry, exit);
    });
  }

  #finish(entry: Entry, exit: PodExit): void {
    const { record } = entry;
    record.exit = exit;
    record.phase = exit.code === 0 ? 'Succeeded' : 'Failed';
    this.#pods.delete(record.name);
    this.emit('pod-exited', record);
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
    if (entry.pod) entry.pod.kill();
    else {
      clearTimeout(entry.startTimer);
      this.#finish(entry, { code: null, signal: 'SIGKILL' });
    }
    return true;
  }

  /** Resolves when the queue is empty and no pod is running, polling at `everyMs`. */
  async idle(options: { everyMs?: number; timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
    for (;;) {
      const d = await queueDepth(this.#o.sqs, this.#o.queueUrl);
      const depth = d.visible + d.inFlight + d.delayed;
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
      [...this.#pods.values()].map((entry) => {
        if (entry.pod) return entry.pod.terminate(this.#o.scaledJob.terminationGracePeriodSeconds);
        clearTimeout(entry.startTimer);
        this.#finish(entry, { code: null, signal: 'SIGTERM' });
        return Promise.resolve();
      }),
    );
  }
}
