/**
 * fauxqs (the SQS + S3 emulator) as a process of its own, bound to 127.0.0.1 only: fauxqs's
 * startFauxqs() listens on every interface, so we build its app and listen ourselves.
 * Usage: node scripts/local-stack/fauxqs-server.ts [port]; prints "listening <port>" when ready.
 */
import { buildApp, type BuildAppOptions } from 'fauxqs';

const requested = Number(process.argv[2] ?? 0);
const app = buildApp({ logger: false, ...(await plainQueueUrls()) });
const address = await app.listen({ host: '127.0.0.1', port: requested });
process.stdout.write(`listening ${new URL(address).port}\n`);

const stop = () => {
  void app.close().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

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
