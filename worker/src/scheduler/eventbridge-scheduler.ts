import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { BadRequestError, classifyAwsError } from '../base/errors.ts';
import type { ScheduleSpec, SchedulerPort, ScheduleView } from '../control/ports.ts';

/**
 * The EventBridge Scheduler adapter: schedules that send a job message straight to the work
 * queue (a universal SQS target; no compute of ours runs to enqueue). All live in one schedule
 * group, created on first use (so a fresh account needs no set-up step); the scheduler assumes
 * `roleArn` to send.
 */
export class EventBridgeScheduler implements SchedulerPort {
  readonly #client: SchedulerClient;
  readonly #group: string;
  readonly #queueArn: string;
  readonly #roleArn: string;
  readonly #deadLetterArn: string;

  constructor(
    client: SchedulerClient,
    options: { group: string; queueArn: string; roleArn: string; deadLetterArn: string },
  ) {
    this.#client = client;
    this.#group = options.group;
    this.#queueArn = options.queueArn;
    this.#roleArn = options.roleArn;
    this.#deadLetterArn = options.deadLetterArn;
  }

  async create(spec: ScheduleSpec): Promise<void> {
    try {
      await this.#createSchedule(spec);
      return;
    } catch (err) {
      // CreateSchedule's only missing resource is the group.
      if (!isNotFound(err)) throw err;
    }
    await this.#createGroup();
    try {
      await this.#createSchedule(spec);
    } catch (err) {
      throw classifyAwsError(err, 'EventBridge Scheduler CreateSchedule');
    }
  }

  async #createGroup(): Promise<void> {
    try {
      await this.#client.send(new CreateScheduleGroupCommand({ Name: this.#group }));
    } catch (err) {
      // Another replica created it first.
      if ((err as { name?: string }).name === 'ConflictException') return;
      throw classifyAwsError(err, 'EventBridge Scheduler CreateScheduleGroup');
    }
  }

  async #createSchedule(spec: ScheduleSpec): Promise<void> {
    try {
      await this.#client.send(
        new CreateScheduleCommand({
          Name: spec.name,
          GroupName: this.#group,
          ScheduleExpression: spec.expression,
          ScheduleExpressionTimezone: spec.timezone,
          FlexibleTimeWindow: { Mode: 'OFF' },
          State: 'ENABLED',
          ...(spec.description ? { Description: spec.description } : {}),
          Target: {
            Arn: this.#queueArn,
            RoleArn: this.#roleArn,
            Input: spec.body,
            RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
            // A run the scheduler cannot deliver lands in the jobs' DLQ, not in silence.
            DeadLetterConfig: { Arn: this.#deadLetterArn },
          },
        }),
      );
    } catch (err) {
      if ((err as { name?: string }).name === 'ConflictException') {
        throw new BadRequestError(`a schedule named "${spec.name}" already exists`, {
          code: 'SCHEDULE_EXISTS',
          status: 409,
        });
      }
      // The group is missing: create() makes it and tries once more.
      if (isNotFound(err)) throw err;
      throw classifyAwsError(err, 'EventBridge Scheduler CreateSchedule');
    }
  }

  async list(): Promise<ScheduleView[]> {
    const names: string[] = [];
    try {
      let token: string | undefined;
      do {
        const out = await this.#client.send(
          new ListSchedulesCommand({
            GroupName: this.#group,
            ...(token ? { NextToken: token } : {}),
          }),
        );
        for (const s of out.Schedules ?? []) if (s.Name) names.push(s.Name);
        token = out.NextToken;
      } while (token);
    } catch (err) {
      // No group yet: nothing was ever scheduled.
      if (isNotFound(err)) return [];
      throw classifyAwsError(err, 'EventBridge Scheduler ListSchedules');
    }
    const views = await Promise.all(names.map((name) => this.get(name)));
    // A schedule deleted between the list and the get is simply gone.
    return views.filter((v): v is ScheduleView => v !== undefined);
  }

  async get(name: string): Promise<ScheduleView | undefined> {
    try {
      const s = await this.#client.send(
        new GetScheduleCommand({ Name: name, GroupName: this.#group }),
      );
      return {
        name,
        expression: s.ScheduleExpression ?? '',
        timezone: s.ScheduleExpressionTimezone ?? 'UTC',
        state: s.State ?? 'UNKNOWN',
        ...(s.Target?.Input ? { body: s.Target.Input } : {}),
        ...(s.Description ? { description: s.Description } : {}),
        ...(s.CreationDate ? { createdAt: s.CreationDate.toISOString() } : {}),
      };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyAwsError(err, 'EventBridge Scheduler GetSchedule');
    }
  }

  /** False when there was no such schedule. */
  async delete(name: string): Promise<boolean> {
    try {
      await this.#client.send(new DeleteScheduleCommand({ Name: name, GroupName: this.#group }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw classifyAwsError(err, 'EventBridge Scheduler DeleteSchedule');
    }
  }
}

function isNotFound(err: unknown): boolean {
  return (err as { name?: string }).name === 'ResourceNotFoundException';
}
