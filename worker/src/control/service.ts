import type { Stats } from '../record/job-record.ts';
import { DeadLetters, type DeadLetterView } from './dead-letters.ts';
import type { ControlDeps } from './deps.ts';
import { Jobs, type JobView } from './jobs.ts';
import type { OpenedObject, QueueDepth, RedriveResult, ScheduleView } from './ports.ts';
import { Schedules } from './schedules.ts';
import { Uploads } from './uploads.ts';

/**
 * The control plane: what the HTTP API and the CLI do, written once, one use case family per
 * file (jobs, schedules, dead letters, uploads). Nothing here knows about HTTP or AWS.
 */
export class ControlService {
  readonly jobs: Jobs;
  readonly scheduling: Schedules;
  readonly dead: DeadLetters;
  /** Client uploads of sources: presigned PUTs and multipart uploads (uploads.ts). */
  readonly uploads: Uploads;

  constructor(deps: ControlDeps) {
    this.jobs = new Jobs(deps);
    this.scheduling = new Schedules(deps);
    this.dead = new DeadLetters(deps);
    this.uploads = new Uploads({
      store: deps.uploadStore,
      settings: deps.config,
      clock: deps.clock,
      newId: deps.newId ?? (() => crypto.randomUUID()),
    });
  }

  enqueue(...args: Parameters<Jobs['enqueue']>): ReturnType<Jobs['enqueue']> {
    return this.jobs.enqueue(...args);
  }

  get(jobId: string): Promise<JobView | undefined> {
    return this.jobs.get(jobId);
  }

  list(...args: Parameters<Jobs['list']>): ReturnType<Jobs['list']> {
    return this.jobs.list(...args);
  }

  stats(): Promise<Stats & { queue: QueueDepth; deadLetterQueue: QueueDepth }> {
    return this.jobs.stats();
  }

  output(jobId: string, path: string, range?: string): Promise<OpenedObject | undefined> {
    return this.jobs.output(jobId, path, range);
  }

  schedule(...args: Parameters<Schedules['create']>): Promise<ScheduleView> {
    return this.scheduling.create(...args);
  }

  schedules(): Promise<ScheduleView[]> {
    return this.scheduling.list();
  }

  unschedule(name: string): Promise<boolean> {
    return this.scheduling.delete(name);
  }

  deadLetters(limit?: number): Promise<DeadLetterView[]> {
    return this.dead.list(limit);
  }

  redrive(max?: number): Promise<RedriveResult> {
    return this.dead.redrive(max);
  }
}
