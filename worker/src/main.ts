import { loadConfig } from './config/config.ts';
import { createAwsClients, createWorkerDeps } from './wiring/deps.ts';
import { ConfigError, InterruptedError } from './base/errors.ts';
import { runWorker, type WorkerOutcome } from './job/worker.ts';
import { createLogger } from './base/logger.ts';

/**
 * The worker's entry point, one process per Kubernetes Job: load config -> build
 * dependencies -> handle at most one message -> exit. Exit 0 whenever the message ended in a
 * defined place (done, retried, dead-lettered) or none came; non-zero when something could
 * not be settled, and 70 (EX_SOFTWARE) after an error outside the error model (a bug, a broken
 * image): that job is FAILED and its message in the DLQ, and the failed Kubernetes Job makes
 * the fault visible. backoffLimit 0: the Job never retries on top of SQS.
 */
/** sysexits.h: an internal software error. */
const EX_SOFTWARE = 70;

async function main(): Promise<number> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`keda-transcoder worker: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger(config.logLevel, { workerId: config.workerId });
  const clients = createAwsClients(config);
  const deps = createWorkerDeps(config, logger, clients);

  const shutdown = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (shutdown.signal.aborted) {
      logger.warn({ signal }, 'second signal; exiting now');
      process.exit(130);
    }
    logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutdown requested');
    shutdown.abort(
      new InterruptedError(
        `the worker received ${signal} (scale-in, spot interruption or deadline)`,
      ),
    );
    // Whatever happens, leave before Kubernetes sends SIGKILL.
    setTimeout(() => {
      logger.error('shutdown grace period exceeded; exiting');
      process.exit(1);
    }, config.shutdownGraceSeconds * 1000).unref();
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);

  let outcome: WorkerOutcome;
  try {
    outcome = await runWorker(deps, config, shutdown.signal);
  } catch (err) {
    logger.fatal(
      { err },
      'message could not be settled; it will reappear after its visibility timeout',
    );
    return 1;
  } finally {
    clients.destroy();
  }
  switch (outcome.kind) {
    case 'handled':
      if (outcome.outcome === 'crashed') {
        logger.fatal({ outcome: outcome.outcome }, 'worker done after an unexpected error');
        return EX_SOFTWARE;
      }
      logger.info({ outcome: outcome.outcome }, 'worker done');
      return 0;
    case 'idle':
      logger.info({ idleSeconds: config.idleTimeoutSeconds }, 'no message arrived; exiting');
      return 0;
    case 'shutdown':
      logger.info('shut down while waiting for a message');
      return 0;
    case 'unreachable':
      logger.error({ err: outcome.error }, 'the queue could not be reached');
      return 1;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `keda-transcoder worker crashed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
