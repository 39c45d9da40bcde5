import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { signWebhook, type JobEvent } from '../record/job-event.ts';
import { TranscoderError } from '../base/errors.ts';

/**
 * A job event POSTed to the webhook a message names, signed as Standard Webhooks define it
 * (`webhook-id`, `webhook-timestamp`, `webhook-signature` headers). The URL comes from whoever
 * sent the job, and the worker runs inside the cluster with an AWS role: it may only reach
 * public addresses over HTTPS (checked on the address it connects to, so a name that resolves
 * to 169.254.169.254 or a cluster service is refused), unless the deployment allows otherwise
 * for a local stack (WEBHOOK_ALLOW_INSECURE).
 */
export interface WebhookOptions {
  readonly secret: string;
  readonly timeoutMs: number;
  /** http:// and private, loopback and link-local addresses (local stacks and tests only). */
  readonly allowInsecure: boolean;
  readonly now: () => number;
}

/** A delivery that failed; its action says whether another try may pass. */
export class WebhookError extends TranscoderError {
  readonly action: 'retry' | 'give-up';
  readonly code = 'WEBHOOK_FAILED';
  constructor(message: string, retryable: boolean) {
    super(message);
    this.action = retryable ? 'retry' : 'give-up';
  }
}

const PRIVATE = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(net, prefix, 'ipv6');
}

/** Whether an address is one a webhook must not reach (IPv4-mapped IPv6 checked as IPv4). */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1]!, 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return PRIVATE.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export async function postWebhook(
  url: string,
  event: JobEvent,
  options: WebhookOptions,
): Promise<void> {
  const target = new URL(url);
  if (target.protocol !== 'https:' && !(options.allowInsecure && target.protocol === 'http:')) {
    throw new WebhookError(`webhooks must use https:// (not ${target.protocol}//)`, false);
  }
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.allowInsecure && isIP(host) !== 0 && isPrivateAddress(host)) {
    throw new WebhookError(
      `${host} is a private address; webhooks may only reach public ones`,
      false,
    );
  }
  const body = JSON.stringify(event);
  const timestamp = Math.floor(options.now() / 1000);
  const headers = {
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(body)),
    'user-agent': 'keda-transcoder-webhook/1',
    'webhook-id': event.id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signWebhook(options.secret, event.id, timestamp, body),
  };
  const lookup: LookupFunction | undefined = options.allowInsecure ? undefined : publicOnly;
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = send(
      target,
      { method: 'POST', headers, timeout: options.timeoutMs, ...(lookup ? { lookup } : {}) },
      (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else {
          reject(
            new WebhookError(`HTTP ${status}`, status >= 500 || status === 429 || status === 408),
          );
        }
      },
    );
    req.on('timeout', () =>
      req.destroy(new WebhookError(`no answer within ${options.timeoutMs} ms`, true)),
    );
    req.on('error', (err) =>
      reject(
        err instanceof WebhookError
          ? err
          : new WebhookError(err.message, !/private address/.test(err.message)),
      ),
    );
    req.end(body);
  });
}

/** DNS resolution that refuses names resolving to private addresses (no DNS-rebinding gap). */
const publicOnly: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
    if (err) return callback(err, '', 4);
    const bad = addresses.find((a) => isPrivateAddress(a.address));
    if (bad || addresses.length === 0) {
      return callback(
        new Error(
          `${hostname} resolves to ${bad?.address ?? 'nothing'}, a private address; webhooks may only reach public ones`,
        ),
        '',
        4,
      );
    }
    if (options.all) {
      (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
    } else {
      callback(null, addresses[0]!.address, addresses[0]!.family);
    }
  });
};
