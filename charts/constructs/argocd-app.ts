import { Construct } from 'constructs';
import { Application } from '../../imports/argocdapp-argoproj.io.ts';

export interface ArgoCdAppProps {
  readonly name: string;
  readonly repoURL: string;
  readonly targetRevision: string;
  readonly path: string;
  readonly project: string;
  readonly destinationNamespace: string;
  /** Files in `path` Argo CD must not manage (this Application's own manifest). */
  readonly exclude: string;
}

/**
 * An Argo CD Application for the synthesized manifests. Server-side apply: KEDA's ScaledJob
 * CRD is too large for client-side apply's last-applied annotation. The objects carry sync
 * waves (see sync-waves.ts) so namespaces, identities and node pools exist before the
 * ScaledJob. Auto-sync with prune and self-heal.
 */
export class ArgoCdApp extends Construct {
  readonly application: Application;

  constructor(scope: Construct, id: string, props: ArgoCdAppProps) {
    super(scope, id);
    this.application = new Application(this, 'application', {
      metadata: { name: props.name },
      spec: {
        project: props.project,
        source: {
          repoUrl: props.repoURL,
          targetRevision: props.targetRevision,
          path: props.path,
          directory: { recurse: false, exclude: props.exclude },
        },
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
