import type { WorkerEnvName } from '../../worker/src/config/config.ts';
import type { ControlEnvName } from '../../worker/src/config/control.ts';
import { formatS3Uri } from '../../worker/src/contract/s3-uri.ts';
import type { DeploymentConfig } from '../config/config.ts';
import { uploadPrefix, workPrefix } from './iam.ts';

/** Where the pod mounts its work volume (an emptyDir). */
export const WORK_MOUNT = '/work';

/**
 * The worker's environment, from the deployment config, by the names the worker reads (typed
 * against worker/src/config/config.ts, so a renamed variable fails to compile here). WORKER_ID comes
 * from the pod's name at run time.
 */
export function workerEnvironment(
  config: DeploymentConfig,
): Partial<Record<WorkerEnvName, string>> {
  const w = config.worker;
  const optional = <K extends WorkerEnvName>(key: K, value: number | undefined) =>
    value === undefined ? {} : { [key]: String(value) };
  return {
    ...whereThingsAre(config),
    WORK_DIR: WORK_MOUNT,
    MAX_RECEIVE_COUNT: String(w.maxReceiveCount),
    IDLE_TIMEOUT_SECONDS: String(w.idleTimeoutSeconds),
    VISIBILITY_TIMEOUT_SECONDS: String(w.visibilityTimeoutSeconds),
    HEARTBEAT_SECONDS: String(w.heartbeatSeconds),
    RETRY_DELAY_SECONDS: String(w.retryDelaySeconds),
    RETRY_DELAY_MAX_SECONDS: String(w.retryDelayMaxSeconds),
    SHUTDOWN_GRACE_SECONDS: String(w.shutdownGraceSeconds),
    LOG_LEVEL: w.logLevel,
    ...optional('MAX_INPUT_BYTES', w.maxInputBytes),
    ...optional('MAX_DURATION_SECONDS', w.maxDurationSeconds),
    ...optional('MAX_DIMENSION', w.maxDimension),
    ...optional('MAX_FRAME_RATE', w.maxFrameRate),
    ...optional('UPLOAD_CONCURRENCY', w.uploadConcurrency),
    ...optional('RECORD_TTL_DAYS', w.recordTtlDays),
    SPLIT_THRESHOLD_SECONDS: String(w.splitThresholdSeconds),
    CHUNK_SECONDS: String(w.chunkSeconds),
    FIRST_CHUNK_SECONDS: String(w.firstChunkSeconds),
    WORK_URI: formatS3Uri(workPrefix(config)),
    ...text('EVENTS_SNS_TOPIC_ARN', config.events.snsTopicArn),
    ...text('EVENTS_BUS', config.events.eventBusArn),
    EVENTS_SOURCE: config.events.source ?? config.name,
    ...optional('WEBHOOK_TIMEOUT_SECONDS', config.events.webhooks?.timeoutSeconds),
    ...optional('WEBHOOK_ATTEMPTS', config.events.webhooks?.attempts),
  };
}

/** Environment variables the worker reads from Secrets, never written into a manifest. */
export function workerSecretEnvironment(
  config: DeploymentConfig,
): Partial<Record<WorkerEnvName, { readonly name: string; readonly key: string }>> {
  const secret = config.events.webhooks?.secret;
  return secret ? { WEBHOOK_SECRET: secret } : {};
}

function text<K extends WorkerEnvName>(key: K, value: string | undefined) {
  return value === undefined ? {} : { [key]: value };
}

/** The port the API container listens on. */
export const API_PORT = 8080;

/**
 * The control plane's environment (API and the schedules' CLI), typed against the control
 * schema in worker/src/config/config.ts. API_TOKENS comes from a Secret, never from here.
 */
export function controlEnvironment(
  config: DeploymentConfig,
  options: { api: boolean },
): Partial<Record<ControlEnvName, string>> {
  const api = config.control?.api;
  const optional = <K extends ControlEnvName>(key: K, value: string | number | undefined) =>
    value === undefined ? {} : { [key]: String(value) };
  return {
    ...whereThingsAre(config),
    MAX_RECEIVE_COUNT: String(config.worker.maxReceiveCount),
    LOG_LEVEL: config.worker.logLevel,
    ...(options.api && api
      ? {
          API_HOST: '0.0.0.0',
          API_PORT: String(API_PORT),
          SCHEDULE_GROUP: api.scheduleGroup,
          ...optional('SCHEDULER_ROLE_ARN', api.schedulerRoleArn),
          UPLOAD_URI: formatS3Uri(uploadPrefix(config)),
          ...optional('UPLOAD_MAX_BYTES', api.uploadMaxBytes),
          ...optional('UPLOAD_PART_SIZE_MB', api.uploadPartSizeMb),
          ...optional('UPLOAD_URL_TTL_SECONDS', api.uploadUrlTtlSeconds),
        }
      : {}),
  };
}

/** What the worker and the control plane both read first: the region, queues, table, outputs. */
function whereThingsAre(
  config: DeploymentConfig,
): Partial<Record<WorkerEnvName & ControlEnvName, string>> {
  return {
    AWS_REGION: config.region,
    QUEUE_URL: config.queueUrl,
    DLQ_URL: config.deadLetterQueueUrl,
    TABLE_NAME: config.tableName,
    OUTPUT_URI: formatS3Uri(config.outputUri),
  };
}
