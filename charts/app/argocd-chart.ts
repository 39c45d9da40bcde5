import type { App, Chart } from 'cdk8s';
import type { DeploymentConfig } from '../config/config.ts';
import { ArgoCdApp, type ArgoCdSource } from '../constructs/argocd-app.ts';
import { ArgoCdPlugin } from '../constructs/argocd-plugin.ts';
import { newChart } from './common.ts';

/**
 * The Argo CD Application (argocd.enabled), with the source the config names: the committed
 * manifests, the Config Management Plugin, or the Source Hydrator (the plugin's sidecar comes
 * back as files to write next to the manifests).
 */
export function buildArgoCdChart(
  app: App,
  config: DeploymentConfig,
  configFile: string | undefined,
): { readonly argocd?: Chart; readonly argocdFiles?: Record<string, object> } {
  if (!config.argocd?.enabled) return {};
  const a = config.argocd;
  const argocd = newChart(app, `${config.name}-argocd`, a.namespace);
  let source: ArgoCdSource;
  let argocdFiles: Record<string, object> | undefined;
  if (a.source === 'manifests') {
    source = {
      kind: 'manifests',
      path: a.path ?? 'dist',
      exclude: `${config.name}-argocd.k8s.yaml`,
    };
  } else {
    const plugin = a.plugin!;
    if (!configFile)
      throw new Error(
        `argocd.source ${a.source} renders the deployment config from the repository: keep it inside the repository (charts/environments/<env>.yaml) and synthesize from there`,
      );
    const rendered = new ArgoCdPlugin(argocd, 'plugin', {
      name: plugin.name,
      image: plugin.image,
      configMapName: `${plugin.name}-cmp`,
      execTimeoutSeconds: plugin.execTimeoutSeconds,
      namespace: a.namespace,
    });
    argocdFiles = {
      'repo-server-patch.yaml': rendered.sidecar.patch,
      'helm-values.yaml': rendered.sidecar.helmValues,
    };
    const common = { path: a.path ?? '.', plugin: plugin.name, configFile };
    source =
      a.source === 'plugin'
        ? { kind: 'plugin', ...common }
        : {
            kind: 'hydrator',
            ...common,
            targetBranch: a.hydrator?.targetBranch ?? `environments/${config.name}`,
            hydratedPath: a.hydrator?.path ?? config.name,
            ...(a.hydrator?.hydrateTo ? { hydrateTo: a.hydrator.hydrateTo } : {}),
          };
  }
  new ArgoCdApp(argocd, 'argocd', {
    name: config.name,
    repoURL: a.repoURL,
    targetRevision: a.targetRevision,
    project: a.project,
    destinationNamespace: config.namespace,
    source,
  });
  return { argocd, ...(argocdFiles ? { argocdFiles } : {}) };
}
