import { Cron, Duration, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { Construct } from 'constructs';
import { containerSecurityContext, IMAGE_COMMANDS, podIdentity } from './hardening.ts';

export interface ScheduledEnqueueProps {
  /** The CronJob's name. */
  readonly name: string;
  readonly image: string;
  readonly serviceAccountName: string;
  /** A 5-field cron in the form Kubernetes reads (days of the week 0-6). */
  readonly schedule: string;
  readonly timeZone: string;
  readonly suspend: boolean;
  /** The CLI's arguments (charts/config/schedules.ts enqueueArgs). */
  readonly args: readonly string[];
  /** The CLI's environment, and the variable that receives the Job's name. */
  readonly env: Readonly<Record<string, string>>;
  readonly runKeyVariable: string;
  readonly cpu: number;
  readonly memory: Size;
  readonly runAsUser: number;
  readonly podLabels?: Readonly<Record<string, string>>;
}

/**
 * A recurring job kept in Git: a CronJob whose pod runs the CLI's `enqueue` with the same
 * image. Runs never overlap (Forbid), a run missed by more than ten minutes is skipped rather
 * than fired late, and a failed enqueue is retried by the Job: the idempotency key is the
 * Job's name (one per scheduled time), so retries never enqueue twice.
 */
export class ScheduledEnqueue extends Construct {
  readonly cronJob: kplus.CronJob;

  constructor(scope: Construct, id: string, props: ScheduledEnqueueProps) {
    super(scope, id);
    const [minute, hour, day, month, weekDay] = props.schedule.split(' ') as [
      string,
      string,
      string,
      string,
      string,
    ];
    const tmp = kplus.Volume.fromEmptyDir(this, 'tmp', 'tmp', { sizeLimit: Size.mebibytes(64) });
    this.cronJob = new kplus.CronJob(this, 'cronjob', {
      metadata: { name: props.name },
      schedule: Cron.schedule({ minute, hour, day, month, weekDay }),
      timeZone: props.timeZone,
      suspend: props.suspend,
      concurrencyPolicy: kplus.ConcurrencyPolicy.FORBID,
      startingDeadline: Duration.minutes(10),
      successfulJobsRetained: 3,
      failedJobsRetained: 3,
      backoffLimit: 3,
      activeDeadline: Duration.minutes(10),
      restartPolicy: kplus.RestartPolicy.NEVER,
      ...podIdentity(this, props.serviceAccountName, props.runAsUser),
      podMetadata: {
        labels: { ...props.podLabels, 'app.kubernetes.io/component': 'schedule' },
      },
      containers: [
        {
          name: 'enqueue',
          image: props.image,
          imagePullPolicy: kplus.ImagePullPolicy.IF_NOT_PRESENT,
          command: [...IMAGE_COMMANDS.cli],
          args: [...props.args],
          envVariables: {
            ...Object.fromEntries(
              Object.entries(props.env).map(([k, v]) => [k, kplus.EnvValue.fromValue(v)]),
            ),
            // Kubernetes labels every pod of a Job with the Job's name.
            [props.runKeyVariable]: kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_LABEL, {
              key: 'batch.kubernetes.io/job-name',
            }),
            TMPDIR: kplus.EnvValue.fromValue('/tmp'),
          },
          resources: {
            cpu: { request: kplus.Cpu.units(props.cpu), limit: kplus.Cpu.units(props.cpu) },
            memory: { request: props.memory, limit: props.memory },
            ephemeralStorage: { request: Size.gibibytes(1), limit: Size.gibibytes(1) },
          },
          securityContext: containerSecurityContext(props.runAsUser),
          volumeMounts: [{ path: '/tmp', volume: tmp }],
        },
      ],
    });
  }
}
