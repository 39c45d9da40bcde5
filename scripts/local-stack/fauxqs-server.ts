/**
 * fauxqs (the SQS + S3 emulator) as a process of its own, bound to 127.0.0.1 only: fauxqs's
 * startFauxqs() listens on every interface, so we build its app and listen ourselves.
 * Usage: node scripts/local-stack/fauxqs-server.ts [port] [data-dir]; prints "listening <port>"
 * when ready. With a data directory, queues, messages and objects survive a restart (fauxqs's
 * SQLite persistence, wired as its startFauxqs() does).
 */
import { buildApp, type BuildAppOptions } from 'fauxqs';
import { registerSqsQueryProtocol } from './sqs-query-protocol.ts';

const requested = Number(process.argv[2] ?? 0);
const dataDir = process.argv[3];
const stores = await plainQueueUrls();
if (dataDir && stores.stores) await persist(stores.stores, dataDir);
const app = buildApp({ logger: false, ...stores });
registerSqsQueryProtocol(app);
allowLocalPages(app);
const address = await app.listen({ host: '127.0.0.1', port: requested });
process.stdout.write(`listening ${new URL(address).port}\n`);

const stop = () => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

/**
 * CORS for pages served from this machine, as a bucket's CORS rule allows the API's page in
 * AWS (charts: control.api.corsOrigins): the page PUTs upload parts straight to S3 and reads
 * each part's ETag. fauxqs has no CORS of its own.
 */
function allowLocalPages(server: typeof app): void {
  const local = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;
  server.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (!origin || !local.test(origin)) return;
    reply.header('Access-Control-Allow-Origin', origin);
    reply.header('Vary', 'Origin');
    reply.header('Access-Control-Expose-Headers', 'ETag');
    if (request.method === 'OPTIONS') {
      reply.header('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST');
      reply.header(
        'Access-Control-Allow-Headers',
        request.headers['access-control-request-headers'] ?? 'content-type',
      );
      reply.header('Access-Control-Max-Age', '600');
      await reply.code(204).send();
    }
  });
}

/**
 * By default fauxqs names queues http://sqs.<region>.localhost:<port>/..., a host that does
 * not resolve on every machine. With the store's host unset it answers with the address the
 * client used (http://127.0.0.1:<port>/000000000000/<name>), which the AWS CLI and curl can
 * reach as is. The stores are not exported, so this reaches into the package; if its layout
 * changes we keep fauxqs's default names.
 */
async function plainQueueUrls(): Promise<Pick<BuildAppOptions, 'stores'>> {
  try {
    const base = import.meta.resolve('fauxqs');
    type Ctor = new () => object;
    const load = async (path: string, name: string) =>
      ((await import(new URL(path, base).href)) as Record<string, Ctor>)[name]!;
    const [SqsStore, SnsStore, S3Store] = await Promise.all([
      load('./sqs/sqsStore.js', 'SqsStore'),
      load('./sns/snsStore.js', 'SnsStore'),
      load('./s3/s3Store.js', 'S3Store'),
    ]);
    const sqsStore = new SqsStore() as { host?: string };
    sqsStore.host = '';
    return {
      stores: {
        sqsStore,
        snsStore: new SnsStore(),
        s3Store: new S3Store(),
      } as unknown as NonNullable<BuildAppOptions['stores']>,
    };
  } catch (err) {
    process.stderr.write(`fauxqs: keeping default queue URLs (${String(err)})\n`);
    return {};
  }
}

/** fauxqs's write-through SQLite persistence, loaded into the stores before they serve. */
async function persist(stores: NonNullable<BuildAppOptions['stores']>, dir: string): Promise<void> {
  const base = import.meta.resolve('fauxqs');
  const { PersistenceManager } = (await import(new URL('./persistence.js', base).href)) as {
    PersistenceManager: new (dir: string) => {
      load(sqs: unknown, sns: unknown, s3: unknown): void;
      close(): void;
    };
  };
  const manager = new PersistenceManager(dir);
  const s = stores as unknown as {
    sqsStore: { persistence?: unknown; allQueues(): { persistence?: unknown }[] };
    snsStore: { persistence?: unknown };
    s3Store: { persistence?: unknown };
  };
  manager.load(s.sqsStore, s.snsStore, s.s3Store);
  s.sqsStore.persistence = manager;
  s.snsStore.persistence = manager;
  for (const queue of s.sqsStore.allQueues()) queue.persistence = manager;
  s.s3Store.persistence = manager;
  process.on('exit', () => manager.close());
}
