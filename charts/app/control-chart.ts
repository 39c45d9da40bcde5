import { Size, type Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-34';
import { accountOf, type DeploymentConfig } from '../config/config.ts';
import { cronJobSchedule, enqueueArgs, RUN_KEY_VARIABLE } from '../config/schedules.ts';
import { ControlApi } from '../constructs/control-api.ts';
import { fargateSize } from '../constructs/fargate-size.ts';
import { ScheduledEnqueue } from '../constructs/scheduled-enqueue.ts';
import { controlPolicy, schedulerPolicy, schedulerTrustPolicy } from '../plan/iam.ts';
import { API_PORT, controlEnvironment } from '../plan/worker-env.ts';
import { podLabels, roleAnnotations, type IamFiles } from './common.ts';

/**
 * The control plane: the API (behind control.api.enabled) and the schedules kept in Git,
 * sharing one identity. Returns that service account, or undefined when neither is on.
 */
export function addControl(
  workload: Chart,
  config: DeploymentConfig,
  iam: IamFiles,
): kplus.ServiceAccount | undefined {
  const control = config.control;
  if (!control || !(control.api.enabled || control.schedules.length > 0)) return undefined;
  const placement = config.placement;
  const runAsUser = config.worker.runAsUser;
  const account = new kplus.ServiceAccount(workload, 'control-identity', {
    metadata: {
      name: `${config.name}-control`,
      annotations: roleAnnotations(config, control.roleArn),
    },
    automountToken: false,
  });
  const labels = podLabels(config);
  iam['control-policy.json'] = controlPolicy(config);
  if (control.api.enabled) {
    const api = control.api;
    if (placement === 'fargate') fargateSize(api.cpu, api.memoryMiB, 'control.api');
    new ControlApi(workload, 'api', {
      name: config.name,
      image: config.image,
      serviceAccountName: account.name,
      replicas: api.replicas,
      cpu: api.cpu,
      memory: Size.mebibytes(api.memoryMiB),
      env: controlEnvironment(config, { api: true }),
      tokensSecret: {
        name: api.tokensSecret.name ?? `${config.name}-api-tokens`,
        key: api.tokensSecret.key,
      },
      port: API_PORT,
      runAsUser,
      podLabels: labels,
    });
    if (api.schedulerRoleArn) {
      iam['scheduler-policy.json'] = schedulerPolicy(config);
      iam['scheduler-trust-policy.json'] = schedulerTrustPolicy(config, accountOf(config.queueUrl));
    }
  }
  const r = control.scheduleResources;
  if (control.schedules.length > 0 && placement === 'fargate')
    fargateSize(r.cpu, r.memoryMiB, 'control.scheduleResources');
  for (const schedule of control.schedules) {
    const cron = cronJobSchedule(schedule.cron);
    if (!cron.ok) throw new Error(`control.schedules ${schedule.name}: ${cron.error}`);
    new ScheduledEnqueue(workload, `schedule-${schedule.name}`, {
      name: `${config.name}-schedule-${schedule.name}`,
      image: config.image,
      serviceAccountName: account.name,
      schedule: cron.schedule,
      timeZone: schedule.timezone,
      suspend: schedule.suspend,
      args: enqueueArgs(schedule.job),
      env: controlEnvironment(config, { api: false }),
      runKeyVariable: RUN_KEY_VARIABLE,
      cpu: r.cpu,
      memory: Size.mebibytes(r.memoryMiB),
      runAsUser,
      podLabels: labels,
    });
  }
  return account;
}
