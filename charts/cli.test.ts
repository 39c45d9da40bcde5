import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { exampleInput } from './testing/fixtures.ts';
import { validateManifest, type Manifest } from './testing/validate.ts';

const exec = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const CDK8S = join(ROOT, 'node_modules', 'cdk8s-cli', 'bin', 'cdk8s');

function synth(args: string[], env: Record<string, string> = {}) {
  return exec(process.execPath, [CDK8S, 'synth', '--no-check-upgrade', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
  });
}

const manifests = (dir: string): Manifest[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, f), 'utf8')).map((d) => d.toJS() as Manifest),
    );

/** `npx cdk8s synth` itself, as a user runs it: offline, from the committed imports/. */
describe('cdk8s synth', { timeout: 60_000 }, () => {
  it('synthesizes the example config into valid manifests and the IAM policies', async () => {
    const out = mkdtempSync(join(tmpdir(), 'synth-'));
    const { stderr } = await synth(['--output', out]);
    expect(stderr).toContain('keda-transcoder: fargate, Fargate bills 2 vCPU / 4 GiB per job');
    expect(readdirSync(out).sort()).toEqual([
      'argocd',
      'iam',
      'keda-transcoder-argocd.k8s.yaml',
      'keda-transcoder-cluster.k8s.yaml',
      'keda-transcoder.k8s.yaml',
    ]);
    expect(readdirSync(join(out, 'iam')).sort()).toEqual([
      'control-policy.json',
      'keda-scaler-policy.json',
      'scheduler-policy.json',
      'scheduler-trust-policy.json',
      'worker-policy.json',
    ]);
    // The Argo CD plugin's sidecar, to patch into argocd-repo-server (or as Helm values).
    expect(readdirSync(join(out, 'argocd')).sort()).toEqual([
      'helm-values.yaml',
      'repo-server-patch.yaml',
    ]);
    const all = manifests(out);
    expect(all.map((m) => m.kind).sort()).toEqual([
      'Application',
      'ConfigMap',
      'ConfigMap',
      'CronJob',
      'Deployment',
      'Namespace',
      'Namespace',
      'PodDisruptionBudget',
      'ScaledJob',
      'Service',
      'ServiceAccount',
      'ServiceAccount',
      'TriggerAuthentication',
    ]);
    expect(all.flatMap(validateManifest)).toEqual([]);
  });

  it('fails with a message naming the bad field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'synth-bad-'));
    const file = join(dir, 'broken.yaml');
    writeFileSync(file, stringify({ ...exampleInput(), worker: { cpu: 3 }, tableName: 'x' }));
    const failure = await synth(['--output', join(dir, 'out')], { DEPLOY_CONFIG: file }).then(
      () => undefined,
      (err: { stderr: string }) => err,
    );
    expect(failure?.stderr).toContain(`invalid deployment configuration in ${file}`);
    expect(failure?.stderr).toContain('tableName: must be a DynamoDB table name');
  });

  it('builds a Helm chart without bundling the third-party CRDs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'helm-'));
    await synth(['--format', 'helm', '--chart-version', '0.1.0', '--output', out]);
    expect(existsSync(join(out, 'Chart.yaml'))).toBe(true);
    expect(existsSync(join(out, 'crds'))).toBe(false);
    expect(manifests(join(out, 'templates')).map((m) => m.kind)).toContain('ScaledJob');
  });
});
