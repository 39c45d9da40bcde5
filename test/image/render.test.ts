import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  cleanCheckout,
  pluginGenerateCommand,
  synthesizedDocuments,
  yamlDocuments,
} from '../support/checkout.ts';
import { ROOT } from '../support/env.ts';

/**
 * The render image (`docker build --target render .`, KT_RENDER_IMAGE) as argocd-repo-server's
 * sidecar runs it: user 999, a read-only root, its own /tmp, the checkout Argo CD hands over
 * under /tmp, and the plugin's generate command from plugin.yaml. What it prints must be what
 * `npx cdk8s synth` writes for the same checkout.
 */
describe('the render image, as the Argo CD sidecar', () => {
  const image = process.env.KT_RENDER_IMAGE;
  const podman = (process.env.KT_PODMAN ?? 'podman').split(/\s+/).filter(Boolean);
  const extra = (process.env.KT_PODMAN_RUN ?? '').split(/\s+/).filter(Boolean);
  let plugin: { command: string[]; args: string[] };

  beforeAll(() => {
    if (!image)
      throw new Error('KT_RENDER_IMAGE must name the render image (scripts/image/ci.sh sets it)');
    plugin = pluginGenerateCommand();
  });

  function render(dir: string, deployConfig: string) {
    // The sidecar's /tmp is an emptyDir it owns; the checkout lands in it, writable by 999.
    chmodSync(dir, 0o777);
    const run = spawnSync(
      podman[0]!,
      [
        ...podman.slice(1),
        'run',
        '--rm',
        '--user',
        '999:999',
        '--read-only',
        '--read-only-tmpfs=false',
        '--tmpfs',
        '/tmp:rw,U',
        '--cap-drop',
        'ALL',
        '--security-opt',
        'no-new-privileges',
        '--network',
        'none',
        ...extra,
        '-v',
        `${dir}:/tmp/_cmp_server/repo`,
        '--workdir',
        '/tmp/_cmp_server/repo',
        '--env',
        `ARGOCD_ENV_DEPLOY_CONFIG=${deployConfig}`,
        '--env',
        'ARGOCD_APP_NAME=keda-transcoder',
        image!,
        ...plugin.command,
        ...plugin.args,
      ],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
    );
    return { code: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('renders a clean checkout offline, as `npx cdk8s synth` does', () => {
    const dir = cleanCheckout();
    const rendered = render(dir, 'charts/environments/example.yaml');
    expect(rendered.stderr).not.toMatch(/keda-transcoder render:/);
    expect(rendered.code).toBe(0);
    // The sidecar linked the image's node_modules; on this machine, the repository's.
    rmSync(join(dir, 'node_modules'), { force: true });
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    execFileSync('npx', ['cdk8s', 'synth'], {
      cwd: dir,
      stdio: 'pipe',
      env: { ...process.env, DEPLOY_CONFIG: 'charts/environments/example.yaml' },
    });
    const printed = yamlDocuments(rendered.stdout);
    expect(printed.length).toBeGreaterThan(10);
    expect(printed).toEqual(synthesizedDocuments(join(dir, 'dist')));
  });

  it('fails, printing nothing, on a config it cannot render', () => {
    const rendered = render(cleanCheckout(), 'charts/environments/none.yaml');
    expect(rendered.code).not.toBe(0);
    expect(rendered.stdout).toBe('');
    expect(rendered.stderr).toMatch(/which this revision does not have/);
  });
});
