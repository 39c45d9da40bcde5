import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  cleanCheckout,
  pluginGenerateCommand,
  synthesizedDocuments,
  yamlDocuments,
} from '../support/checkout.ts';
import { ROOT } from '../support/env.ts';

/**
 * The Argo CD plugin's generate command, exactly as its plugin.yaml (from `npx cdk8s synth`)
 * says, run the way argocd-cmp-server runs it: in a checkout of the repository with the file
 * modes reset and no node_modules, with only the sidecar's environment and the Application's
 * variables. The render image's /opt/keda-transcoder is played by a directory holding this
 * repository's node_modules and package-lock.json.
 */
describe("the Argo CD plugin's generate command, in a clean checkout", () => {
  let plugin: { command: string[]; args: string[] };
  let renderHome: string;

  beforeAll(() => {
    plugin = pluginGenerateCommand();
    renderHome = mkdtempSync(join(tmpdir(), 'kt-render-home-'));
    symlinkSync(join(ROOT, 'node_modules'), join(renderHome, 'node_modules'));
    copyFileSync(join(ROOT, 'package-lock.json'), join(renderHome, 'package-lock.json'));
  });

  const checkout = cleanCheckout;

  function generate(dir: string, deployConfig: string | undefined) {
    const [bin, ...rest] = plugin.command;
    const run = spawnSync(bin!, [...rest, ...plugin.args], {
      cwd: dir,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH!,
        HOME: dir,
        KT_RENDER_HOME: renderHome,
        ARGOCD_APP_NAME: 'keda-transcoder',
        ARGOCD_APP_NAMESPACE: 'argocd',
        ARGOCD_APP_REVISION: '0123456789abcdef0123456789abcdef01234567',
        ...(deployConfig !== undefined ? { ARGOCD_ENV_DEPLOY_CONFIG: deployConfig } : {}),
      },
    });
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('prints exactly what `npx cdk8s synth` writes, minus the Application itself', () => {
    const dir = checkout();
    const rendered = generate(dir, 'charts/environments/example.yaml');
    expect(rendered.stderr).not.toMatch(/keda-transcoder render:/);
    expect(rendered.code).toBe(0);

    execFileSync('npx', ['cdk8s', 'synth'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, DEPLOY_CONFIG: 'charts/environments/example.yaml' },
    });
    const synthesized = synthesizedDocuments(join(dir, 'dist'));
    const printed = yamlDocuments(rendered.stdout);
    expect(printed.length).toBeGreaterThan(10);
    expect(printed).toEqual(synthesized);
    expect(printed.map((d) => (d as { kind: string }).kind)).not.toContain('Application');
  });

  it('exits non-zero and prints nothing when the config is broken, naming the field', () => {
    const dir = checkout();
    const example = parse(readFileSync(join(dir, 'charts/environments/example.yaml'), 'utf8')) as {
      worker: Record<string, unknown>;
    };
    writeFileSync(
      join(dir, 'charts/environments/broken.yaml'),
      stringify({ ...example, worker: { ...example.worker, memoryMiB: 'lots' } }),
    );
    const rendered = generate(dir, 'charts/environments/broken.yaml');
    expect(rendered.code).not.toBe(0);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr).toContain('worker.memoryMiB');
  });

  it.each([
    [undefined, /DEPLOY_CONFIG is not set/],
    ['../outside.yaml', /must be a path inside the repository/],
    ['charts/environments/missing.yaml', /which this revision does not have/],
  ])('refuses DEPLOY_CONFIG %s, printing nothing', (config, message) => {
    const rendered = generate(checkout(), config);
    expect(rendered.code).not.toBe(0);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr).toMatch(message);
  });

  it('refuses a revision whose package-lock.json the render image was not built from', () => {
    const dir = checkout();
    writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3}\n');
    const rendered = generate(dir, 'charts/environments/example.yaml');
    expect(rendered.code).not.toBe(0);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr).toMatch(/build the render image from this revision/);
  });
});
