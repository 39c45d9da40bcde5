import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An HTTP proxy in front of the emulator that injects the failures AWS really returns
 * (S3 503 SlowDown, SQS 500 InternalError, dropped connections) for the requests a rule
 * matches, a given number of times. Everything else passes through untouched, so the SDK's
 * own error parsing and retry classification run for real.
 */
export interface RequestInfo {
  readonly method: string;
  readonly path: string;
  /** The query string, without `?` (presigned URLs carry their parameters here). */
  readonly query: string;
  /** `x-amz-target` for JSON-protocol services (e.g. AmazonSQS.DeleteMessage). */
  readonly target: string;
}

export type Fault = 's3-slow-down' | 'sqs-internal-error' | 'reset';

export interface Rule {
  readonly match: (req: RequestInfo) => boolean;
  readonly fault: Fault;
  /** How many matching requests to fail; Infinity for all. */
  times: number;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly injected: RequestInfo[];
  /** Every request that came through, failed or not. */
  readonly seen: RequestInfo[];
  add(rule: Rule): void;
  clear(): void;
  stop(): Promise<void>;
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: Rule[] = [];
  const injected: RequestInfo[] = [];
  const seen: RequestInfo[] = [];

  const server = createServer((req, res) => {
    const info: RequestInfo = {
      method: req.method ?? 'GET',
      path: decodeURIComponent((req.url ?? '/').split('?')[0]!),
      query: (req.url ?? '').split('?')[1] ?? '',
      target: String(req.headers['x-amz-target'] ?? ''),
    };
    seen.push(info);
    const rule = rules.find((r) => r.times > 0 && r.match(info));
    if (rule) {
      rule.times--;
      injected.push(info);
      req.resume();
      if (rule.fault === 'reset') {
        req.socket.destroy();
      } else if (rule.fault === 's3-slow-down') {
        res.writeHead(503, { 'content-type': 'application/xml' });
        res.end(
          '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>fault-proxy</RequestId></Error>',
        );
      } else {
        res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(
          JSON.stringify({
            __type: 'com.amazonaws.sqs#InternalError',
            message: 'injected by the fault proxy',
          }),
        );
      }
      return;
    }
    forward(req, res);
  });

  function forward(req: IncomingMessage, res: ServerResponse) {
    const upstreamReq = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    seen,
    add: (rule) => rules.push(rule),
    clear: () => {
      rules.length = 0;
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
