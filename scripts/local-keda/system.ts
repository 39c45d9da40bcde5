import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  parseDeploymentConfig,
  queueName,
  type DeploymentConfig,
} from '../../charts/config/config.ts';
import { inputPrefixes, uploadPrefix } from '../../charts/plan/iam.ts';
import { localClients, stackEnvironment, type StackEndpoints } from '../local-stack/index.ts';
import {
  provision,
  provisionEventTopic,
  type EventTopic,
  type Resources,
} from '../local-stack/provision.ts';
import { readDeployment, readManifests, readScaledJob, type LocalScaledJob } from './manifests.ts';
import type { PidFile } from './pids.ts';
import { LocalPod } from './pod.ts';
import { LocalScaledJobRunner } from './runner.ts';

const run = promisify(execFile);

/**
 * The whole system on this machine, from a deployment config: synthesize it with the real
 * cdk8s app, create on the local stack the queue, DLQ, buckets and table it names, then run
 * the synthesized ScaledJob through the local runner and the synthesized API Deployment as a
 * local pod, both pointed at the stack. What runs is what the manifests say; only the AWS
 * endpoints, the queue URLs and the volume paths are swapped for local ones.
 */
export interface LocalSystemOptions {
  /** The repository (what the image holds at /app). */
  readonly root: string;
  readonly stateDir: string;
  readonly stack: StackEndpoints;
  /** A deployment config file (charts/environments/local.yaml for `npm start`). */
  readonly configFile: string;
  /** Serve the control API on this port (0: any free one) with this bearer token. */
  readonly api?: { readonly port: number; readonly token: string };
  readonly pollingIntervalMs?: number;
  readonly pidFile?: PidFile;
}

export interface LocalSystem {
  readonly config: DeploymentConfig;
  readonly resources: Resources;
  readonly scaledJob: LocalScaledJob;
  readonly runner: LocalScaledJobRunner;
  readonly api?: { readonly url: string; readonly token: string; readonly pid: number };
  /** The deployment's event topic (events.snsTopicArn) and the queue subscribed to it. */
  readonly events?: EventTopic;
  /** The environment the CLI (or a worker by hand) needs against this system. */
  readonly env: Record<string, string>;
  stop(): Promise<void>;
}

export async function synthesize(root: string, configFile: string, outdir: string): Promise<void> {
  rmSync(outdir, { recursive: true, force: true });
  await run(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      '--experimental-transform-types',
      join(root, 'charts', 'main.ts'),
    ],
    { cwd: root, env: { ...process.env, DEPLOY_CONFIG: configFile, CDK8S_OUTDIR: outdir } },
  );
}

export async function startLocalSystem(options: LocalSystemOptions): Promise<LocalSystem> {
  const { root, stateDir, stack } = options;
  mkdirSync(stateDir, { recursive: true });
  const dist = join(stateDir, 'dist');
  await synthesize(root, options.configFile, dist);
  const config = parseDeploymentConfig(
    parse(readFileSync(options.configFile, 'utf8')),
    options.configFile,
  );
  const manifests = readManifests(dist);
  const scaledJob = readScaledJob(manifests);
  if (scaledJob.trigger.queueURL !== config.queueUrl)
    throw new Error('the ScaledJob watches another queue than the config names');

  const clients = localClients(stack);
  const resources = await provision(clients, {
    prefix: config.name,
    names: {
      queue: queueName(config.queueUrl),
      deadLetterQueue: queueName(config.deadLetterQueueUrl),
      bucket: config.outputUri.bucket,
      table: config.tableName,
    },
    maxReceiveCount: config.worker.maxReceiveCount,
    visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds,
  });
  const { CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const buckets = new Set([...inputPrefixes(config), uploadPrefix(config)].map((l) => l.bucket));
  buckets.delete(resources.bucket);
  for (const bucket of buckets) await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // The deployment's event topic, with a queue subscribed to hear what it announces.
  const topicName = config.events.snsTopicArn?.split(':').at(-1);
  const events = topicName ? await provisionEventTopic(clients, topicName) : undefined;

  // Only these differ from what a pod in the cluster gets: where AWS is, and the queue URLs.
  const overrides: Record<string, string> = {
    ...stackEnvironment(stack),
    QUEUE_URL: resources.queueUrl,
    DLQ_URL: resources.deadLetterQueueUrl,
  };
  const runner = new LocalScaledJobRunner({
    scaledJob,
    sqs: clients.sqs,
    queueUrl: resources.queueUrl,
    root,
    stateDir,
    overrides,
    ...(options.pidFile ? { pidFile: options.pidFile } : {}),
    ...(options.pollingIntervalMs ? { pollingIntervalMs: options.pollingIntervalMs } : {}),
  });

  let api: { url: string; token: string; pid: number; pod: LocalPod } | undefined;
  if (options.api) {
    const deployment = readDeployment(manifests, `${config.name}-api`);
    if (!deployment)
      throw new Error(`${options.configFile} deploys no API (control.api.enabled is false)`);
    const secret = config.control!.api.tokensSecret;
    const token = options.api.token;
    let resolveUrl: (url: string) => void = () => undefined;
    const listening = new Promise<string>((resolve) => (resolveUrl = resolve));
    const pod = new LocalPod({
      name: `${config.name}-api-local`,
      container: deployment.container,
      root,
      podDir: join(stateDir, 'pods', 'api'),
      secrets: { [secret.name ?? `${config.name}-api-tokens`]: { [secret.key]: token } },
      overrides: { ...overrides, API_HOST: '127.0.0.1', API_PORT: String(options.api.port) },
      logFile: join(stateDir, 'logs', 'api.log'),
      onLine: (line) => {
        const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(line);
        if (m) resolveUrl(m[1]!);
      },
    });
    options.pidFile?.add('api', pod.pid, join(root, 'worker'));
    const url = await Promise.race([
      listening,
      pod.exited.then((exit) => {
        throw new Error(
          `the API exited (${exit.code ?? exit.signal}) before listening; see ${join(stateDir, 'logs', 'api.log')}`,
        );
      }),
    ]);
    api = { url, token, pid: pod.pid, pod };
  }

  runner.start();
  return {
    config,
    resources,
    scaledJob,
    runner,
    ...(api ? { api: { url: api.url, token: api.token, pid: api.pid } } : {}),
    ...(events ? { events } : {}),
    env: {
      ...overrides,
      TABLE_NAME: config.tableName,
      OUTPUT_URI: `s3://${config.outputUri.bucket}/${config.outputUri.key}`,
      MAX_RECEIVE_COUNT: String(config.worker.maxReceiveCount),
    },
    async stop() {
      await runner.stop();
      if (api) {
        await api.pod.terminate(30);
        options.pidFile?.remove(api.pid);
      }
      clients.sqs.destroy();
      clients.s3.destroy();
      clients.dynamodb.destroy();
    },
  };
}
