import type { Config } from '../config/config.ts';
import type { JobSettings, MessageOutcome } from './base/context.ts';
import { processMessage } from './process-message.ts';
import type { WorkerDeps } from './base/ports.ts';
import { sleep } from '../base/time.ts';

export type WorkerSettings = JobSettings &
  Pick<Config, 'idleTimeoutSeconds' | 'receiveWaitSeconds' | 'visibilityTimeoutSeconds'>;

export type WorkerOutcome =
  | { readonly kind: 'handled'; readonly outcome: MessageOutcome }
  | { readonly kind: 'idle' }
  | { readonly kind: 'shutdown' }
  | { readonly kind: 'unreachable'; readonly error: unknown };

/**
 * One Kubernetes Job's life: long-poll until one message arrives or the idle window closes
 * (KEDA may start more Jobs than there are messages), handle that one message, return.
 */
export async function runWorker(
  deps: WorkerDeps,
  settings: WorkerSettings,
  shutdown: AbortSignal,
): Promise<WorkerOutcome> {
  const deadline = deps.clock.now() + settings.idleTimeoutSeconds * 1000;
  let lastError: unknown;
  let received = false;
  while (!shutdown.aborted) {
    const remainingMs = deadline - deps.clock.now();
    if (remainingMs <= 0) break;
    const waitSeconds = Math.max(
      1,
      Math.min(settings.receiveWaitSeconds, Math.ceil(remainingMs / 1000)),
    );
    let message;
    try {
      message = await deps.queue.receiveOne({
        waitSeconds,
        visibilitySeconds: settings.visibilityTimeoutSeconds,
        signal: shutdown,
      });
      received = true;
    } catch (err) {
      if (shutdown.aborted) break;
      lastError = err;
      deps.logger.warn({ err }, 'receive failed');
      await sleep(Math.min(2000, Math.max(0, deadline - deps.clock.now())), shutdown);
      continue;
    }
    if (!message) continue;
    const outcome = await processMessage(deps, settings, message, shutdown);
    return { kind: 'handled', outcome };
  }
  if (shutdown.aborted) return { kind: 'shutdown' };
  if (!received && lastError !== undefined) return { kind: 'unreachable', error: lastError };
  return { kind: 'idle' };
}
