import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';

export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}

const SCHEMAS = join(import.meta.dirname, '..', '..', 'imports', 'schemas');

/**
 * The Kubernetes versions the charts support (EKS standard support in December 2026), each
 * checked from its own OpenAPI definitions (imports/schemas/kubernetes/<version>.json, extracted
 * by scripts/extract-k8s-schemas.ts).
 */
export const KUBERNETES_VERSIONS = readdirSync(join(SCHEMAS, 'kubernetes'))
  .map((f) => f.replace(/\.json$/, ''))
  .sort();

/**
 * The KEDA releases whose CRDs every ScaledJob and TriggerAuthentication must satisfy: 2.20.2's
 * (imports/schemas/keda.sh) and 2.20.0's, which 2.20.1 shares (imports/schemas/keda-v2.20.0).
 */
export const KEDA_CRDS = { 'v2.20.2': SCHEMAS, 'v2.20.0': join(SCHEMAS, 'keda-v2.20.0') } as const;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction | undefined>();

/**
 * A validator for one core kind in one Kubernetes version, from the version's definitions with
 * every object closed: the API server's strict field validation (kubectl's default) refuses a
 * field it does not know, so here it is an error.
 */
function kubernetesValidator(version: string, apiVersion: string, kind: string) {
  const key = `k8s ${version} ${apiVersion}/${kind}`;
  if (!compiled.has(key)) {
    const definitions = kubernetesDefinitions(version);
    const [group, v] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const name = Object.entries(definitions).find(([, d]) =>
      d['x-kubernetes-group-version-kind']?.some(
        (g) => g.group === group && g.version === v && g.kind === kind,
      ),
    )?.[0];
    compiled.set(key, name ? ajv.getSchema(`urn:k8s:${version}#/definitions/${name}`) : undefined);
  }
  return compiled.get(key);
}

/** One version's definitions, registered once (closed) so every kind shares their compilation. */
const loaded = new Map<string, Record<string, { 'x-kubernetes-group-version-kind'?: Gvk[] }>>();
function kubernetesDefinitions(version: string) {
  let definitions = loaded.get(version);
  if (!definitions) {
    definitions = (
      JSON.parse(readFileSync(join(SCHEMAS, 'kubernetes', `${version}.json`), 'utf8')) as {
        definitions: Record<string, { 'x-kubernetes-group-version-kind'?: Gvk[] }>;
      }
    ).definitions;
    ajv.addSchema({ $id: `urn:k8s:${version}`, definitions: closeObjects(definitions) });
    loaded.set(version, definitions);
  }
  return definitions;
}

interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/**
 * The exact CRD schema the imports came from, made strict the way the API server's pruning is:
 * a field the schema does not know would be silently dropped, so here it is an error.
 */
function crdValidator(root: string, apiVersion: string, kind: string) {
  const key = `crd ${root} ${apiVersion}/${kind}`;
  if (!compiled.has(key)) {
    const file = join(root, apiVersion, `${kind}.json`);
    let schema: Record<string, unknown> | undefined;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      schema = undefined;
    }
    compiled.set(key, schema ? ajv.compile(closeObjects(schema)) : undefined);
  }
  return compiled.get(key);
}

function closeObjects(node: unknown): Record<string, unknown> {
  if (Array.isArray(node)) return node.map(closeObjects) as unknown as Record<string, unknown>;
  if (typeof node !== 'object' || node === null) return node as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) copy[k] = closeObjects(v);
  if (
    copy.properties &&
    copy.additionalProperties === undefined &&
    !copy['x-kubernetes-preserve-unknown-fields']
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

function errorsOf(validate: ValidateFunction, value: unknown, label: string): string[] {
  if (validate(structuredClone(value))) return [];
  return (validate.errors ?? []).map((e) => `${label}: ${e.instancePath} ${e.message ?? ''}`);
}

/**
 * Every problem with one object, in every supported Kubernetes version (core kinds) and against
 * every CRD release it must apply on (custom kinds). Empty when valid everywhere.
 */
export function validateManifest(manifest: Manifest): string[] {
  const versions = KUBERNETES_VERSIONS;
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const name = manifest.metadata.name;
  const problems: string[] = [];
  let known = false;
  for (const version of versions) {
    const core = kubernetesValidator(version, manifest.apiVersion, manifest.kind);
    if (!core) continue;
    known = true;
    problems.push(...errorsOf(core, manifest, `${key} ${name} (Kubernetes ${version})`));
  }
  const roots = manifest.apiVersion.startsWith('keda.sh/')
    ? Object.entries(KEDA_CRDS)
    : [['', SCHEMAS] as const];
  for (const [release, root] of roots) {
    const crd = crdValidator(root, manifest.apiVersion, manifest.kind);
    if (!crd) continue;
    known = true;
    problems.push(
      ...errorsOf(crd, manifest, `${key} ${name}${release ? ` (KEDA ${release})` : ''}`),
    );
  }
  if (!known) return [`no schema known for ${key}`];
  if (manifest.kind === 'ScaledJob') {
    // The Job KEDA will create, checked as a batch/v1 Job in every version.
    const job = {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'x' },
      spec: (manifest.spec as { jobTargetRef: object }).jobTargetRef,
    };
    for (const version of versions) {
      const validate = kubernetesValidator(version, 'batch/v1', 'Job')!;
      problems.push(
        ...errorsOf(
          validate,
          job,
          `${key} ${name} jobTargetRef as a batch/v1 Job (Kubernetes ${version})`,
        ),
      );
    }
  }
  return problems;
}
