/**
 * Writes, for each Kubernetes version, the OpenAPI definitions of the kinds the charts emit and
 * everything they reference, to imports/schemas/kubernetes/<version>.json: what the chart tests
 * validate every synthesized object against, for each supported version, without ../shared.
 * Descriptions are dropped (they are most of the bytes and no part of validation).
 * Run by scripts/import-crds.sh.
 * Usage: node scripts/extract-k8s-schemas.ts <out-dir> <schemas-dir> <version>...
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Every core kind the charts (and KEDA, for the Jobs it creates) put in a cluster. */
export const KINDS = [
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Secret',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.apps.v1.Deployment',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.batch.v1.CronJob',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
  'io.k8s.api.rbac.v1.ClusterRole',
  'io.k8s.api.rbac.v1.ClusterRoleBinding',
  'io.k8s.api.rbac.v1.Role',
  'io.k8s.api.rbac.v1.RoleBinding',
  'io.k8s.api.networking.v1.NetworkPolicy',
];

type Definitions = Record<string, Record<string, unknown>>;

const [outDir, schemasDir, ...versions] = process.argv.slice(2);
if (!outDir || !schemasDir || versions.length === 0) {
  throw new Error('usage: extract-k8s-schemas.ts <out-dir> <schemas-dir> <version>...');
}
mkdirSync(outDir, { recursive: true });
for (const version of versions) {
  const all = (
    JSON.parse(readFileSync(join(schemasDir, version, '_definitions.json'), 'utf8')) as {
      definitions: Definitions;
    }
  ).definitions;
  const kept: Definitions = {};
  const visit = (name: string) => {
    if (kept[name] || !all[name]) return;
    kept[name] = strip(all[name]) as Record<string, unknown>;
    for (const ref of JSON.stringify(all[name]).matchAll(/"#\/definitions\/([^"]+)"/g))
      visit(ref[1]!);
  };
  for (const kind of KINDS) visit(kind);
  writeFileSync(join(outDir, `${version}.json`), `${JSON.stringify({ definitions: kept })}\n`);
  console.log(`${version}: ${Object.keys(kept).length} definitions`);
}

function strip(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strip);
  if (typeof node !== 'object' || node === null) return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([k]) => k !== 'description')
      .map(([k, v]) => [k, strip(v)]),
  );
}
