import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { buildApi, uploadOriginOf } from '../../worker/src/api/server.ts';
import { loadControlConfig } from '../../worker/src/config/control.ts';
import type { ControlDeps } from '../../worker/src/control/deps.ts';
import { ControlService } from '../../worker/src/control/service.ts';
import { createAwsClients, createControlDeps } from '../../worker/src/wiring/deps.ts';
import type { TestEnv } from './env.ts';

export const TOKEN = 'test-token-0123456789abcdef';

/** The control API on 127.0.0.1, in this process, against a test env's queues and table. */
export async function startApi(
  env: TestEnv,
  overrides: Partial<ControlDeps> = {},
  extra: Record<string, string> = {},
) {
  const config = loadControlConfig({ ...env.env(), API_TOKENS: TOKEN, ...extra });
  const clients = createAwsClients(config);
  const deps = createControlDeps(config, clients, overrides);
  const app = buildApi({
    service: new ControlService(deps),
    tokens: config.apiTokens,
    logger: pino({ level: 'silent' }),
    uploadOrigin: uploadOriginOf(config.endpoints.s3),
    ready: async () => {
      await deps.queue.depths();
    },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${TOKEN}`,
        ...(body !== undefined && typeof body !== 'string'
          ? { 'Content-Type': 'application/json' }
          : {}),
        ...headers,
      },
      ...(body !== undefined
        ? { body: typeof body === 'string' ? body : JSON.stringify(body) }
        : {}),
    });
    const text = await response.text();
    // The API answers arbitrary JSON; tests read it loosely.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    let json: any;
    try {
      json = text ? (JSON.parse(text) as unknown) : undefined;
    } catch {
      json = text;
    }
    // eslint-disable-next-line @typescript-eslint/no-unsafe-assignment
    return { status: response.status, headers: response.headers, body: json };
  };
  return {
    url,
    config,
    deps,
    call,
    async stop() {
      await app.close();
      clients.destroy();
    },
  };
}
