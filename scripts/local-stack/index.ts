import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Resources } from './provision.ts';
import { alive, startDynamoDbLocal, startFauxqs, stopPid, type ServerProcess } from './servers.ts';

/**
 * The local AWS stack: DynamoDB Local and fauxqs on free 127.0.0.1 ports, started as child
 * processes whose PIDs are written to `<stateDir>/pids.json`, and stopped by those PIDs, also
 * by the next start when a previous run died without cleaning up.
 */
export interface LocalStack {
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly sqsEndpoint: string;
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
  readonly servers: readonly ServerProcess[];
  stop(): Promise<void>;
  /**
   * Stops one server (a crash or an outage, as the system sees it) and returns a function that
   * starts it again on the same port. Only a `persistent` stack keeps its data across this.
   */
  outage(name: 'dynamodb-local' | 'fauxqs'): Promise<() => Promise<void>>;
}

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

interface PidRecord {
  readonly name: string;
  readonly pid: number;
  readonly marker: string;
}

const MARKERS: Record<string, string> = {
  'dynamodb-local': 'DynamoDbLocalLauncher',
  fauxqs: 'fauxqs-server',
};

export async function startLocalStack(options: {
  stateDir: string;
  /** Keep data on disk (under <stateDir>/data, emptied at start) so a server can restart. */
  persistent?: boolean;
}): Promise<LocalStack> {
  mkdirSync(options.stateDir, { recursive: true });
  await stopRecorded(options.stateDir);
  const dataDir = (name: string) => {
    if (!options.persistent) return {};
    const dir = join(options.stateDir, 'data', name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    return { dataDir: dir };
  };
  const dirs = { 'dynamodb-local': dataDir('dynamodb-local'), fauxqs: dataDir('fauxqs') };
  const logs = {
    'dynamodb-local': join(options.stateDir, 'dynamodb-local.log'),
    fauxqs: join(options.stateDir, 'fauxqs.log'),
  };
  const started = await Promise.allSettled([
    startDynamoDbLocal({ logFile: logs['dynamodb-local'], ...dirs['dynamodb-local'] }),
    startFauxqs({ logFile: logs.fauxqs, ...dirs.fauxqs }),
  ]);
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const pidFile = join(options.stateDir, 'pids.json');
  const writePids = () =>
    writeFileSync(
      pidFile,
      JSON.stringify(
        servers.map((s) => ({ name: s.name, pid: s.pid, marker: MARKERS[s.name]! })),
        null,
        2,
      ),
    );
  writePids();
  const failed = started.find((s) => s.status === 'rejected');
  const stop = async () => {
    await Promise.all(servers.map((s) => stopPid(s.pid)));
    rmSync(pidFile, { force: true });
  };
  if (failed) {
    await stop();
    throw failed.reason;
  }
  const dynamo = servers.find((s) => s.name === 'dynamodb-local')!;
  const fauxqs = servers.find((s) => s.name === 'fauxqs')!;
  return {
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    sqsEndpoint: fauxqs.endpoint,
    s3Endpoint: fauxqs.endpoint,
    dynamodbEndpoint: dynamo.endpoint,
    servers,
    stop,
    async outage(name) {
      const i = servers.findIndex((s) => s.name === name);
      const server = servers[i]!;
      await stopPid(server.pid);
      return async () => {
        const options = { logFile: logs[name], port: server.port, ...dirs[name] };
        servers[i] =
          name === 'fauxqs' ? await startFauxqs(options) : await startDynamoDbLocal(options);
        writePids();
      };
    },
  };
}

/** Stops the servers a previous run recorded, if they are still ours and still running. */
export async function stopRecorded(stateDir: string): Promise<void> {
  const pidFile = join(stateDir, 'pids.json');
  let record: PidRecord[];
  try {
    record = JSON.parse(readFileSync(pidFile, 'utf8')) as PidRecord[];
  } catch {
    return;
  }
  await Promise.all(
    record
      .filter((r) => alive(r.pid) && commandLine(r.pid).includes(r.marker))
      .map((r) => stopPid(r.pid)),
  );
  rmSync(pidFile, { force: true });
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

export interface StackEndpoints {
  readonly region: string;
  readonly sqsEndpoint: string;
  readonly s3Endpoint: string;
  readonly dynamodbEndpoint: string;
}

/** SDK clients for the stack (tests and scripts). */
export function localClients(stack: StackEndpoints): {
  sqs: SQSClient;
  s3: S3Client;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
} {
  const common = { region: stack.region, credentials: LOCAL_CREDENTIALS };
  return {
    sqs: new SQSClient({ ...common, endpoint: stack.sqsEndpoint }),
    // fauxqs serves SNS beside SQS.
    sns: new SNSClient({ ...common, endpoint: stack.sqsEndpoint }),
    s3: new S3Client({ ...common, endpoint: stack.s3Endpoint, forcePathStyle: true }),
    dynamodb: new DynamoDBClient({ ...common, endpoint: stack.dynamodbEndpoint }),
  };
}

/** Where AWS is on the local stack: the region, the local credentials and the endpoints. */
export function stackEnvironment(stack: StackEndpoints): Record<string, string> {
  return {
    AWS_REGION: stack.region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_SQS: stack.sqsEndpoint,
    AWS_ENDPOINT_URL_S3: stack.s3Endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbEndpoint,
    AWS_ENDPOINT_URL_SNS: stack.sqsEndpoint,
    S3_FORCE_PATH_STYLE: 'true',
    // fauxqs refuses request bodies over 11 MiB: no multipart part may be larger.
    UPLOAD_PART_MAX_MB: '10',
  };
}

/** The environment a worker process needs to run against the stack. */
export function workerEnvironment(
  stack: StackEndpoints,
  resources: Resources,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    ...stackEnvironment(stack),
    QUEUE_URL: resources.queueUrl,
    DLQ_URL: resources.deadLetterQueueUrl,
    TABLE_NAME: resources.tableName,
    OUTPUT_URI: `s3://${resources.bucket}/outputs/`,
    ...extra,
  };
}
