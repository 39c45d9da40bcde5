// The API answers arbitrary JSON; the tests read it loosely.
/* eslint-disable @typescript-eslint/no-unsafe-member-access */
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeScheduler } from '../../worker/src/scheduler/eventbridge-scheduler.ts';
import { startApi } from '../support/api.ts';
import { createTestEnv, type TestEnv } from '../support/env.ts';

/**
 * EventBridge Scheduler has no local stand-in, so its client is replaced by one that records
 * each command and answers like the service; what is pinned is exactly what would be sent.
 */
function fakeSchedulerClient(options: { groupExists?: boolean } = {}) {
  const sent: { command: string; input: Record<string, unknown> }[] = [];
  const schedules = new Map<string, Record<string, unknown>>();
  let groupExists = options.groupExists ?? true;
  const client = {
    send(command: { constructor: { name: string }; input: Record<string, unknown> }) {
      const name = command.constructor.name;
      sent.push({ command: name, input: command.input });
      const key = String(command.input.Name);
      const notFound = () =>
        Object.assign(new Error(`Schedule ${key} does not exist.`), {
          name: 'ResourceNotFoundException',
        });
      if (!groupExists && name !== 'CreateScheduleGroupCommand') {
        return Promise.reject(
          Object.assign(
            new Error(`Schedule group ${String(command.input.GroupName)} does not exist.`),
            {
              name: 'ResourceNotFoundException',
            },
          ),
        );
      }
      switch (name) {
        case 'CreateScheduleGroupCommand':
          if (groupExists)
            return Promise.reject(
              Object.assign(new Error('exists'), { name: 'ConflictException' }),
            );
          groupExists = true;
          return Promise.resolve({});
        case 'CreateScheduleCommand':
          if (schedules.has(key))
            return Promise.reject(
              Object.assign(new Error('exists'), { name: 'ConflictException' }),
            );
          schedules.set(key, command.input);
          return Promise.resolve({
            ScheduleArn: `arn:aws:scheduler:eu-west-1:123456789012:schedule/g/${key}`,
          });
        case 'GetScheduleCommand': {
          const s = schedules.get(key);
          if (!s) return Promise.reject(notFound());
          return Promise.resolve({
            ...s,
            State: 'ENABLED',
            CreationDate: new Date('2026-11-21T12:00:00Z'),
          });
        }
        case 'ListSchedulesCommand':
          return Promise.resolve({
            Schedules: [...schedules.keys()].map((n) => ({ Name: n, State: 'ENABLED' })),
          });
        case 'DeleteScheduleCommand':
          if (!schedules.delete(key)) return Promise.reject(notFound());
          return Promise.resolve({});
        default:
          return Promise.reject(new Error(`unexpected ${name}`));
      }
    },
  };
  return { client: client as unknown as SchedulerClient, sent };
}

describe('schedules through EventBridge Scheduler', () => {
  let env: TestEnv;
  let api: Awaited<ReturnType<typeof startApi>>;
  let fake: ReturnType<typeof fakeSchedulerClient>;
  const job = { version: 1, input: 's3://media/in/weekly.mp4', formats: ['hls'] };

  beforeAll(async () => {
    env = await createTestEnv('schedules');
  });
  beforeEach(async () => {
    await api?.stop();
    fake = fakeSchedulerClient();
    const scheduler = new EventBridgeScheduler(fake.client, {
      group: 'keda-transcoder',
      queueArn: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
      deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:jobs-dlq',
      roleArn: 'arn:aws:iam::123456789012:role/scheduler-to-sqs',
    });
    api = await startApi(env, { scheduler });
  });
  afterAll(async () => {
    await api.stop();
    env.destroy();
  });

  it('creates a schedule that sends the job message straight to the queue', async () => {
    const created = await api.call('POST', '/jobs/schedule', {
      cron: '0 7 * * MON',
      timezone: 'Europe/Paris',
      name: 'weekly-digest',
      job,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/jobs/schedules/weekly-digest');
    expect(created.body).toMatchObject({
      name: 'weekly-digest',
      expression: 'cron(0 7 ? * 2 *)',
      timezone: 'Europe/Paris',
      state: 'ENABLED',
    });
    expect(fake.sent[0]).toEqual({
      command: 'CreateScheduleCommand',
      input: {
        Name: 'weekly-digest',
        GroupName: 'keda-transcoder',
        ScheduleExpression: 'cron(0 7 ? * 2 *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Description: 'keda-transcoder: 0 7 * * MON (Europe/Paris)',
        Target: {
          Arn: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
          RoleArn: 'arn:aws:iam::123456789012:role/scheduler-to-sqs',
          Input: JSON.stringify(job),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:eu-west-1:123456789012:jobs-dlq' },
        },
      },
    });
  });

  it('names a schedule from its content when no name is given, and defaults to UTC', async () => {
    const created = await api.call('POST', '/jobs/schedule', { cron: '@daily', job });
    expect(created.body.name).toMatch(/^job-[0-9a-f]{16}$/);
    expect(fake.sent[0]?.input).toMatchObject({
      ScheduleExpression: 'cron(0 0 * * ? *)',
      ScheduleExpressionTimezone: 'UTC',
    });
    const again = await api.call('POST', '/jobs/schedule', { cron: '@daily', job });
    expect(again.status).toBe(409);
  });

  it('lists and deletes schedules', async () => {
    await api.call('POST', '/jobs/schedule', {
      cron: '30 22 * * 1-5',
      timezone: 'UTC',
      name: 'nightly',
      job,
    });
    fake.sent.length = 0;
    const list = await api.call('GET', '/jobs/schedules');
    expect(list.body.items).toEqual([
      {
        name: 'nightly',
        expression: 'cron(30 22 ? * 2-6 *)',
        timezone: 'UTC',
        state: 'ENABLED',
        body: JSON.stringify(job),
        description: 'keda-transcoder: 30 22 * * 1-5 (UTC)',
        createdAt: '2026-11-21T12:00:00.000Z',
      },
    ]);
    expect(fake.sent).toEqual([
      { command: 'ListSchedulesCommand', input: { GroupName: 'keda-transcoder' } },
      { command: 'GetScheduleCommand', input: { Name: 'nightly', GroupName: 'keda-transcoder' } },
    ]);
    expect((await api.call('DELETE', '/jobs/schedules/nightly')).status).toBe(204);
    expect(fake.sent.at(-1)).toEqual({
      command: 'DeleteScheduleCommand',
      input: { Name: 'nightly', GroupName: 'keda-transcoder' },
    });
    expect((await api.call('DELETE', '/jobs/schedules/nightly')).status).toBe(404);
  });

  it('creates the schedule group on first use, and lists nothing before it exists', async () => {
    await api.stop();
    fake = fakeSchedulerClient({ groupExists: false });
    api = await startApi(env, {
      scheduler: new EventBridgeScheduler(fake.client, {
        group: 'keda-transcoder',
        queueArn: 'arn:aws:sqs:eu-west-1:123456789012:jobs',
        deadLetterArn: 'arn:aws:sqs:eu-west-1:123456789012:jobs-dlq',
        roleArn: 'arn:aws:iam::123456789012:role/scheduler-to-sqs',
      }),
    });
    const empty = await api.call('GET', '/jobs/schedules');
    expect(empty.status).toBe(200);
    expect(empty.body.items).toEqual([]);
    fake.sent.length = 0;
    const created = await api.call('POST', '/jobs/schedule', {
      cron: '0 * * * *',
      name: 'hourly',
      job,
    });
    expect(created.status).toBe(201);
    expect(fake.sent.map((s) => s.command)).toEqual([
      'CreateScheduleCommand',
      'CreateScheduleGroupCommand',
      'CreateScheduleCommand',
      'GetScheduleCommand',
    ]);
    expect(fake.sent[1]?.input).toEqual({ Name: 'keda-transcoder' });
  });

  it.each([
    [{ cron: '0 7 1 * MON', job }, 'cron', /both day-of-month and day-of-week/],
    [{ cron: '0 7 * *', job }, 'cron', /expected 5 fields/],
    [{ cron: '0 7 * * *', timezone: 'Mars/Base', job }, 'timezone', /not an IANA time zone/],
    [{ cron: '0 7 * * *', job: { ...job, jobId: 'fixed' } }, 'job.jobId', /runs many times/],
    [{ cron: '0 7 * * *', job: { version: 1 } }, 'job.input', /is required/],
    [{ cron: '0 7 * * *', name: 'has spaces', job }, 'name', /1-64 letters/],
    [{ job }, 'cron', /is required/],
  ])('refuses %j with a 400 naming %s', async (body, field, reason) => {
    const response = await api.call('POST', '/jobs/schedule', body);
    expect(response.status).toBe(400);
    const problem = (response.body.errors as { field: string; message: string }[]).find(
      (e) => e.field === field,
    );
    expect(problem?.message).toMatch(reason);
    expect(fake.sent).toEqual([]);
  });
});
