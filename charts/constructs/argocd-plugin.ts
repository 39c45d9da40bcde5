import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { KubeConfigMap } from '../../imports/k8s.ts';

/**
 * The Argo CD Config Management Plugin that renders this repository with `cdk8s synth`, in a
 * sidecar of argocd-repo-server:
 *
 * - `pluginConfig`: the ConfigManagementPlugin file the sidecar's argocd-cmp-server reads
 *   (/home/argocd/cmp-server/config/plugin.yaml; a file, not an API object — the fields are
 *   argoproj/argo-cd cmpserver/plugin/config.go's PluginConfig);
 * - `repoServerSidecar`: the sidecar container and its volumes, as a strategic-merge patch of
 *   the argocd-repo-server Deployment and as the Argo CD Helm chart's values;
 * - `ArgoCdPlugin`: the ConfigMap that carries plugin.yaml into the sidecar.
 *
 * The render image holds Node 24 and the charts' dependencies at /opt/keda-transcoder
 * (`docker build --target render .`), so a render never runs `npm ci`: it links them into the
 * checkout Argo CD hands over, checks they were installed from this checkout's
 * package-lock.json, synthesizes into a temporary directory and prints the manifests. With
 * `set -euo pipefail` any failure exits non-zero, so Argo CD keeps the last good manifests
 * instead of pruning the cluster to an empty render.
 */

/** Where the render image keeps node_modules and the package-lock.json they came from. */
export const RENDER_HOME = '/opt/keda-transcoder';

/**
 * The plugin's generate command: the script bash runs in the Application's source directory.
 * DEPLOY_CONFIG comes from the Application (`plugin.env`, which Argo CD prefixes ARGOCD_ENV_).
 */
export const RENDER_SCRIPT = `set -euo pipefail
home="\${KT_RENDER_HOME:-${RENDER_HOME}}"
fail() { echo "keda-transcoder render: $*" >&2; exit 1; }
config="\${ARGOCD_ENV_DEPLOY_CONFIG:-}"
[ -n "$config" ] || fail "DEPLOY_CONFIG is not set: name the deployment config in the Application's spec.source.plugin.env"
case "$config" in /* | .. | ../* | */../* | */..) fail "DEPLOY_CONFIG must be a path inside the repository, not $config" ;; esac
[ -f "$config" ] || fail "DEPLOY_CONFIG names $config, which this revision does not have"
[ -f package.json ] && [ -f package-lock.json ] || fail "no package.json and package-lock.json here: point the Application's path at the directory holding them"
[ "$(sha256sum <package-lock.json)" = "$(sha256sum <"$home/package-lock.json")" ] ||
  fail "this revision's package-lock.json differs from the one the render image was built from ($home): build the render image from this revision (docker build --target render .) and roll it out"
[ -e node_modules ] || ln -s "$home/node_modules" node_modules
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
DEPLOY_CONFIG="$config" CDK8S_OUTDIR="$out" node --disable-warning=ExperimentalWarning --experimental-transform-types charts/main.ts >&2
shopt -s nullglob
found=0
for f in "$out"/*.k8s.yaml; do
  case "$f" in *-argocd.k8s.yaml) continue ;; esac
  printf -- '---\\n'
  cat "$f"
  found=1
done
[ "$found" = 1 ] || fail "the synthesis wrote no manifests"
`;

export interface PluginConfig {
  apiVersion: 'argoproj.io/v1alpha1';
  kind: 'ConfigManagementPlugin';
  metadata: { name: string };
  spec: {
    generate: { command: string[]; args: string[] };
  };
}

/**
 * The ConfigManagementPlugin. No `discover`: the plugin renders only Applications that name it.
 * No `version`, so the name alone selects it. No `init`: nothing to fetch before a render.
 */
export function pluginConfig(name: string): PluginConfig {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ConfigManagementPlugin',
    metadata: { name },
    spec: { generate: { command: ['bash', '-c'], args: [RENDER_SCRIPT] } },
  };
}

export interface SidecarProps {
  readonly name: string;
  readonly image: string;
  readonly configMapName: string;
  readonly execTimeoutSeconds: number;
}

/** The sidecar as Argo CD's documentation installs one: argocd-cmp-server, user 999, own /tmp. */
export function repoServerSidecar(props: SidecarProps) {
  const tmp = `${props.name}-tmp`;
  const container = {
    name: props.name,
    image: props.image,
    command: ['/var/run/argocd/argocd-cmp-server'],
    env: [{ name: 'ARGOCD_EXEC_TIMEOUT', value: `${props.execTimeoutSeconds}s` }],
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 999,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    resources: {
      requests: { cpu: '250m', memory: '512Mi' },
      limits: { memory: '1Gi' },
    },
    volumeMounts: [
      { mountPath: '/var/run/argocd', name: 'var-files' },
      { mountPath: '/home/argocd/cmp-server/plugins', name: 'plugins' },
      {
        mountPath: '/home/argocd/cmp-server/config/plugin.yaml',
        subPath: 'plugin.yaml',
        name: props.configMapName,
      },
      // Not the repo-server's /tmp: Argo CD keeps them apart against path traversal.
      { mountPath: '/tmp', name: tmp },
    ],
  };
  const volumes = [
    { name: props.configMapName, configMap: { name: props.configMapName } },
    { name: tmp, emptyDir: {} },
  ];
  return {
    container,
    volumes,
    /** `kubectl -n argocd patch deployment argocd-repo-server --patch-file <this>`. */
    patch: { spec: { template: { spec: { containers: [container], volumes } } } },
    /** The same for the argo-cd Helm chart (`helm upgrade argocd argo/argo-cd -f <this>`). */
    helmValues: { repoServer: { extraContainers: [container], volumes } },
  };
}

export interface ArgoCdPluginProps extends SidecarProps {
  readonly namespace: string;
}

/** The ConfigMap with plugin.yaml, in Argo CD's namespace, beside the Application. */
export class ArgoCdPlugin extends Construct {
  readonly sidecar: ReturnType<typeof repoServerSidecar>;

  constructor(scope: Construct, id: string, props: ArgoCdPluginProps) {
    super(scope, id);
    new KubeConfigMap(this, 'config', {
      metadata: { name: props.configMapName, namespace: props.namespace },
      data: { 'plugin.yaml': stringify(pluginConfig(props.name)) },
    });
    this.sidecar = repoServerSidecar(props);
  }
}
