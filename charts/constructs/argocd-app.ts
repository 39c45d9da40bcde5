import { Construct } from 'constructs';
import {
  Application,
  type ApplicationSpecSource,
  type ApplicationSpecSourceHydrator,
} from '../../imports/argocdapp-argoproj.io.ts';

export type ArgoCdSource =
  /** Argo CD renders the repository with the Config Management Plugin. */
  | {
      readonly kind: 'plugin';
      readonly path: string;
      readonly plugin: string;
      /** The deployment config, relative to `path` (the plugin's DEPLOY_CONFIG). */
      readonly configFile: string;
    }
  /** The Source Hydrator renders it with the plugin, commits the result and syncs that. */
  | {
      readonly kind: 'hydrator';
      readonly path: string;
      readonly plugin: string;
      readonly configFile: string;
      readonly targetBranch: string;
      readonly hydratedPath: string;
      readonly hydrateTo?: string;
    }
  /** Argo CD reads manifests synthesized and committed by hand, minus this Application's file. */
  | { readonly kind: 'manifests'; readonly path: string; readonly exclude: string };

export interface ArgoCdAppProps {
  readonly name: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly project: string;
  readonly destinationNamespace: string;
  readonly source: ArgoCdSource;
}

/**
 * An Argo CD Application for the workload. Server-side apply: KEDA's ScaledJob CRD is too large
 * for client-side apply's last-applied annotation. The objects carry sync waves (see
 * sync-waves.ts) so namespaces, identities and node pools exist before the ScaledJob. Auto-sync
 * with prune and self-heal; the plugin fails a render outright rather than print nothing, so a
 * broken config never prunes the cluster.
 */
export class ArgoCdApp extends Construct {
  readonly application: Application;

  constructor(scope: Construct, id: string, props: ArgoCdAppProps) {
    super(scope, id);
    const s = props.source;
    const plugin =
      s.kind === 'manifests'
        ? undefined
        : { name: s.plugin, env: [{ name: 'DEPLOY_CONFIG', value: s.configFile }] };
    let source: ApplicationSpecSource | undefined;
    let sourceHydrator: ApplicationSpecSourceHydrator | undefined;
    if (s.kind === 'manifests')
      source = {
        repoUrl: props.repoURL,
        targetRevision: props.targetRevision,
        path: s.path,
        directory: { recurse: false, exclude: s.exclude },
      };
    else if (s.kind === 'plugin')
      source = {
        repoUrl: props.repoURL,
        targetRevision: props.targetRevision,
        path: s.path,
        plugin,
      };
    else
      sourceHydrator = {
        drySource: {
          repoUrl: props.repoURL,
          targetRevision: props.targetRevision,
          path: s.path,
          plugin,
        },
        syncSource: { targetBranch: s.targetBranch, path: s.hydratedPath },
        ...(s.hydrateTo ? { hydrateTo: { targetBranch: s.hydrateTo } } : {}),
      };
    this.application = new Application(this, 'application', {
      metadata: { name: props.name },
      spec: {
        project: props.project,
        ...(source ? { source } : {}),
        ...(sourceHydrator ? { sourceHydrator } : {}),
        destination: {
          server: 'https://kubernetes.default.svc',
          namespace: props.destinationNamespace,
        },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          syncOptions: ['ServerSideApply=true', 'CreateNamespace=false'],
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    });
  }
}
