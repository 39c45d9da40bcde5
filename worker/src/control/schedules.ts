import { createHash } from 'node:crypto';
import { BadRequestError } from '../base/errors.ts';
import { isTimeZone, translateCron } from '../contract/cron.ts';
import { validateJobMessage, type FieldProblem } from '../contract/message.ts';
import type { ControlDeps } from './deps.ts';
import { InvalidJobError } from './jobs.ts';
import type { ScheduleView } from './ports.ts';

const SCHEDULE_NAME = /^[0-9A-Za-z._-]{1,64}$/;

/** Recurring jobs: EventBridge schedules that send a job message to the queue. */
export class Schedules {
  readonly #d: ControlDeps;

  constructor(deps: ControlDeps) {
    this.#d = deps;
  }

  /** A recurring job: a 5-field cron in a time zone, sending the job message to the queue. */
  async create(input: {
    cron: string;
    timezone?: string;
    job: unknown;
    name?: string;
  }): Promise<ScheduleView> {
    const scheduler = this.#requireScheduler();
    const problems: FieldProblem[] = [];
    const cron = translateCron(input.cron);
    if (!cron.ok) problems.push({ field: 'cron', message: cron.error });
    const timezone = input.timezone ?? 'UTC';
    if (!isTimeZone(timezone))
      problems.push({
        field: 'timezone',
        message: `"${timezone}" is not an IANA time zone such as Europe/Paris`,
      });
    if (input.name !== undefined && !SCHEDULE_NAME.test(input.name)) {
      problems.push({ field: 'name', message: 'must be 1-64 letters, digits, ".", "_" or "-"' });
    }
    const job = validateJobMessage(input.job);
    if (!job.ok)
      problems.push(
        ...job.problems.map((p) => ({
          field: p.field ? `job.${p.field}` : 'job',
          message: p.message,
        })),
      );
    else if (job.value.jobId !== undefined) {
      problems.push({
        field: 'job.jobId',
        message: 'a scheduled job runs many times; leave jobId out and each run gets its own',
      });
    }
    if (problems.length > 0) throw new InvalidJobError(problems);
    const body = JSON.stringify(input.job);
    const name =
      input.name ??
      `job-${createHash('sha256').update(`${input.cron}|${timezone}|${body}`).digest('hex').slice(0, 16)}`;
    await scheduler.create({
      name,
      expression: (cron as { expression: string }).expression,
      timezone,
      body,
      description: `keda-transcoder: ${input.cron} (${timezone})`,
    });
    return (
      (await scheduler.get(name)) ?? {
        name,
        expression: (cron as { expression: string }).expression,
        timezone,
        state: 'ENABLED',
        body,
      }
    );
  }

  async list(): Promise<ScheduleView[]> {
    return this.#requireScheduler().list();
  }

  async delete(name: string): Promise<boolean> {
    if (!SCHEDULE_NAME.test(name)) return false;
    return this.#requireScheduler().delete(name);
  }

  #requireScheduler() {
    if (!this.#d.scheduler) {
      throw new BadRequestError('schedules need EventBridge Scheduler: set SCHEDULER_ROLE_ARN', {
        code: 'SCHEDULES_DISABLED',
        status: 501,
      });
    }
    return this.#d.scheduler;
  }
}
