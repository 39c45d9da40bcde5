import { execFileSync } from 'node:child_process';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { pluginConfig, RENDER_SCRIPT } from './constructs/argocd-plugin.ts';
import { exampleInput, one, synth } from './testing/fixtures.ts';
import { validateManifest, type Manifest } from './testing/validate.ts';

/**
 * What argocd-cmp-server accepts as /home/argocd/cmp-server/config/plugin.yaml: the fields of
 * PluginConfig and ValidatePluginConfig's rules in argoproj/argo-cd cmpserver/plugin/config.go
 * (read at 324ca867ecd7df6f49c8aa287274b284ed0e8911), closed so that a misspelt field — which
 * the server would silently ignore — fails here.
 */
const command = {
  type: 'object',
  properties: {
    command: { type: 'array', items: { type: 'string' } },
    args: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
};
const PLUGIN_CONFIG_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'argoproj.io/v1alpha1' },
    // ValidatePluginConfig: kind must be ConfigManagementPlugin.
    kind: { const: 'ConfigManagementPlugin' },
    // ... and metadata.name non-empty.
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', minLength: 1 } },
    },
    spec: {
      type: 'object',
      additionalProperties: false,
      required: ['generate'],
      properties: {
        version: { type: 'string' },
        init: command,
        // ... and spec.generate.command non-empty.
        generate: {
          ...command,
          required: ['command'],
          properties: {
            ...command.properties,
            command: { type: 'array', items: { type: 'string' }, minItems: 1 },
          },
        },
        discover: {
          type: 'object',
          additionalProperties: false,
          properties: {
            fileName: { type: 'string' },
            find: {
              type: 'object',
              additionalProperties: false,
              properties: { ...command.properties, glob: { type: 'string' } },
            },
          },
        },
        parameters: { type: 'object' },
        preserveFileMode: { type: 'boolean' },
      },
    },
  },
};

describe('the Argo CD Config Management Plugin', () => {
  const s = synth(exampleInput());
  const configMap = one(s.argocd, 'ConfigMap', 'keda-transcoder-cdk8s-cmp');
  const pluginYaml = (configMap.data as Record<string, string>)['plugin.yaml']!;

  it('is a plugin.yaml argocd-cmp-server accepts, named as the Application names it', () => {
    const validate = new Ajv({ allErrors: true }).compile(PLUGIN_CONFIG_SCHEMA);
    const config: unknown = parse(pluginYaml);
    expect(validate(config) ? [] : validate.errors).toEqual([]);
    expect(config).toEqual(pluginConfig('keda-transcoder-cdk8s'));
    const app = one(s.argocd, 'Application');
    expect((app.spec as { source: { plugin: { name: string } } }).source.plugin.name).toBe(
      (config as { metadata: { name: string } }).metadata.name,
    );
  });

  it('renders with bash under pipefail, a script bash can parse', () => {
    const { spec } = pluginConfig('x');
    expect(spec.generate.command).toEqual(['bash', '-c']);
    expect(RENDER_SCRIPT.startsWith('set -euo pipefail\n')).toBe(true);
    execFileSync('bash', ['-n', '-c', RENDER_SCRIPT]);
  });

  it('installs as a repo-server sidecar that is valid in argocd-repo-server on every supported Kubernetes', () => {
    const patch = s.built.argocdFiles!['repo-server-patch.yaml'] as {
      spec: { template: { spec: { containers: object[]; volumes: { name: string }[] } } };
    };
    const { containers, volumes } = patch.spec.template.spec;
    // The Deployment as Argo CD's install manifest has it (its own volumes), with the patch merged.
    const deployment: Manifest = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'argocd-repo-server', namespace: 'argocd' },
      spec: {
        selector: { matchLabels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
        template: {
          metadata: { labels: { 'app.kubernetes.io/name': 'argocd-repo-server' } },
          spec: {
            containers: [
              { name: 'argocd-repo-server', image: 'quay.io/argoproj/argocd:v3.5.1' },
              ...containers,
            ],
            volumes: [
              { name: 'var-files', emptyDir: {} },
              { name: 'plugins', emptyDir: {} },
              ...volumes,
            ],
          },
        },
      },
    };
    expect(validateManifest(deployment)).toEqual([]);
    const container = containers[0] as {
      command: string[];
      securityContext: { runAsUser: number };
      volumeMounts: { name: string; mountPath: string; subPath?: string }[];
    };
    // Argo CD's three requirements: its cmp-server as entry point, user 999, plugin.yaml in place.
    expect(container.command).toEqual(['/var/run/argocd/argocd-cmp-server']);
    expect(container.securityContext.runAsUser).toBe(999);
    expect(container.volumeMounts).toContainEqual({
      mountPath: '/home/argocd/cmp-server/config/plugin.yaml',
      subPath: 'plugin.yaml',
      name: 'keda-transcoder-cdk8s-cmp',
    });
    // Every mount names a volume the merged pod has; /tmp is the sidecar's own.
    const names = new Set(['var-files', 'plugins', ...volumes.map((v) => v.name)]);
    for (const m of container.volumeMounts) expect(names).toContain(m.name);
    expect(container.volumeMounts.find((m) => m.mountPath === '/tmp')?.name).toBe(
      'keda-transcoder-cdk8s-tmp',
    );
    expect(s.built.argocdFiles!['helm-values.yaml']).toEqual({
      repoServer: { extraContainers: containers, volumes },
    });
  });
});
