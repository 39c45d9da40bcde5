import { loadControlConfig } from '../config/control.ts';
import { ControlService } from '../control/service.ts';
import { createAwsClients, createControlDeps } from '../wiring/deps.ts';
import { ConfigError } from '../base/errors.ts';
import { createLogger } from '../base/logger.ts';
import { buildApi, uploadOriginOf } from './server.ts';

/** The control API's entry point: `node worker/src/api/main.ts` (the image's `api` command). */
async function main(): Promise<void> {
  let config;
  try {
    config = loadControlConfig();
    if (config.apiTokens.length === 0)
      throw new ConfigError([
        'API_TOKENS: is required to serve the API (comma-separated bearer tokens, 16+ characters each)',
      ]);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`keda-transcoder api: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { component: 'api' });
  const clients = createAwsClients(config);
  const deps = createControlDeps(config, clients);
  const service = new ControlService(deps);
  let lastReady = 0;
  const app = buildApi({
    service,
    tokens: config.apiTokens,
    logger,
    uploadOrigin: uploadOriginOf(config.endpoints.s3),
    ready: async () => {
      // One cheap round trip to each store, at most every 5 s.
      if (Date.now() - lastReady < 5000) return;
      await Promise.all([deps.ledger.stats(), deps.queue.depths()]);
      lastReady = Date.now();
    },
  });
  const close = () => {
    logger.info('shutting down');
    void app.close().finally(() => {
      clients.destroy();
      process.exit(0);
    });
  };
  process.on('SIGTERM', close);
  process.on('SIGINT', close);
  await app.listen({ host: config.apiHost, port: config.apiPort });
}

main().catch((err: unknown) => {
  process.stderr.write(
    `keda-transcoder api crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
