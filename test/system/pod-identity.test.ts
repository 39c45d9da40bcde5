import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { validateManifest, type Manifest } from '../../charts/testing/validate.ts';
import { synthesizedDocuments } from '../support/checkout.ts';
import { ROOT } from '../support/env.ts';

const run = promisify(execFile);

/**
 * EKS Pod Identity for the Karpenter placement. Without ACK, the user creates the associations
 * with Debian's AWS CLI from the files synth writes (`dist/iam/pod-identity-*.json`); EKS has no
 * local stand-in, so a loopback server takes the CLI's request and the test pins its shape.
 */
describe('EKS Pod Identity associations', () => {
  const requests: { method: string; path: string; body: unknown }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const parsed = JSON.parse(body || '{}') as Record<string, string>;
      requests.push({ method: req.method!, path: req.url!, body: parsed });
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          association: {
            clusterName: req.url!.split('/')[2],
            namespace: parsed.namespace,
            serviceAccount: parsed.serviceAccount,
            roleArn: parsed.roleArn,
            associationId: 'a-0123456789abcdef0',
          },
        }),
      );
    });
  });
  let endpoint: string;
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  // `npx cdk8s synth` of the example on Karpenter with Pod Identity and without ACK, as a user runs it.
  const dir = mkdtempSync(join(tmpdir(), 'kt-pod-identity-'));
  const example = parse(
    readFileSync(join(ROOT, 'charts/environments/example.yaml'), 'utf8'),
  ) as Record<string, unknown>;
  const { argocd: _argocd, ...rest } = example;
  writeFileSync(
    join(dir, 'config.yaml'),
    stringify({
      ...rest,
      placement: 'karpenter',
      karpenter: { clusterName: 'media-prod', nodeRoleName: 'KarpenterNodeRole-media-prod' },
      identity: 'pod-identity',
    }),
  );
  execFileSync('npx', ['cdk8s', 'synth', '--output', join(dir, 'dist')], {
    cwd: ROOT,
    stdio: 'pipe',
    env: { ...process.env, DEPLOY_CONFIG: join(dir, 'config.yaml') },
  });
  const iam = (file: string) =>
    JSON.parse(readFileSync(join(dir, 'dist', 'iam', file), 'utf8')) as Record<string, unknown>;
  const manifests = synthesizedDocuments(join(dir, 'dist')) as Manifest[];

  it('leaves the service accounts unannotated and writes one CLI input per service account', () => {
    const accounts = manifests.filter((m) => m.kind === 'ServiceAccount');
    expect(accounts.map((a) => a.metadata.name).sort()).toEqual([
      'keda-transcoder-control',
      'keda-transcoder-worker',
    ]);
    for (const a of accounts)
      expect(a.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBeUndefined();
    expect(iam('worker-trust-policy.json')).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'pods.eks.amazonaws.com' },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        },
      ],
    });
    expect(manifests.flatMap(validateManifest)).toEqual([]);
  });

  it('are what `aws eks create-pod-identity-association --cli-input-json` sends', async () => {
    for (const id of ['worker', 'control']) {
      const file = join(dir, 'dist', 'iam', `pod-identity-${id}.json`);
      const { stdout } = await run(
        'aws',
        [
          'eks',
          'create-pod-identity-association',
          '--cli-input-json',
          `file://${file}`,
          '--region',
          'eu-west-1',
          '--endpoint-url',
          endpoint,
          '--output',
          'json',
        ],
        { env: { ...process.env, AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' } },
      );
      expect(JSON.parse(stdout)).toMatchObject({
        association: { serviceAccount: `keda-transcoder-${id}` },
      });
    }
    expect(requests).toEqual([
      {
        method: 'POST',
        path: '/clusters/media-prod/pod-identity-associations',
        body: {
          // The CLI's idempotency token: a retried call creates one association.
          clientRequestToken: expect.any(String) as string,
          namespace: 'keda-transcoder',
          serviceAccount: 'keda-transcoder-worker',
          roleArn: 'arn:aws:iam::123456789012:role/keda-transcoder-worker',
        },
      },
      {
        method: 'POST',
        path: '/clusters/media-prod/pod-identity-associations',
        body: {
          clientRequestToken: expect.any(String) as string,
          namespace: 'keda-transcoder',
          serviceAccount: 'keda-transcoder-control',
          roleArn: expect.stringMatching(/^arn:aws:iam::123456789012:role\//) as string,
        },
      },
    ]);
  });
});
