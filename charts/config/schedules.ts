import { translateCron } from '../../worker/src/contract/cron.ts';

/**
 * Declarative schedules (control.schedules in the deployment config) become Kubernetes
 * CronJobs. They take the same 5-field cron as POST /jobs/schedule, checked by the same
 * translator, so a schedule means the same thing whichever way it was made; what only
 * EventBridge understands (L, W, #) is refused, and the expression is rewritten in the form
 * Kubernetes' parser reads (days of the week 0-6, macros expanded).
 */
export type CronJobSchedule = { ok: true; schedule: string } | { ok: false; error: string };

export function cronJobSchedule(cron: string): CronJobSchedule {
  const translated = translateCron(cron);
  if (!translated.ok) return translated;
  const [minute, hour, dom, month, dow] = translated.fields as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (/[LW#]/i.test(`${dom} ${dow}`)) {
    return {
      ok: false,
      error: 'L, W and # are EventBridge Scheduler extensions that Kubernetes CronJobs do not read',
    };
  }
  // EventBridge counts 1 = Sunday .. 7 = Saturday; Kubernetes 0 = Sunday .. 6 = Saturday.
  const days = dow === '?' ? '*' : dow.replace(/\d+/g, (d) => String(Number(d) - 1));
  return {
    ok: true,
    schedule: [minute, hour, dom === '?' ? '*' : dom, month, days].join(' '),
  };
}

/** The reason a cron cannot be a CronJob's schedule, or undefined when it can. */
export function checkCronJobSchedule(cron: string): string | undefined {
  const result = cronJobSchedule(cron);
  return result.ok ? undefined : result.error;
}

/** The environment variable the CronJob's pod fills with its Job's name (downward API). */
export const RUN_KEY_VARIABLE = 'KT_SCHEDULE_RUN';

/**
 * The CLI arguments a schedule's pod runs: enqueue the job's input with the rest of the
 * message, keyed by the Job's name. A CronJob names each Job after its scheduled minute, so a
 * pod that is retried (or a Job the controller starts twice) enqueues one job, not two.
 */
export function enqueueArgs(job: Readonly<Record<string, unknown>>): string[] {
  const { input, ...rest } = job;
  return [
    '--json',
    'enqueue',
    String(input),
    '--message',
    JSON.stringify(rest),
    '--idempotency-key',
    `$(${RUN_KEY_VARIABLE})`,
  ];
}
