import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Application } from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application';
import { NodePool } from '@kubernetes-models/karpenter/karpenter.sh/v1/NodePool';
import { EC2NodeClass } from '@kubernetes-models/karpenter/karpenter.k8s.aws/v1/EC2NodeClass';
import { ScaledJob } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledJob';
import { TriggerAuthentication } from '@kubernetes-models/keda/keda.sh/v1alpha1/TriggerAuthentication';
import { Ajv, type ValidateFunction } from 'ajv';
import { Deployment } from 'kubernetes-models-1.33/apps/v1/Deployment';
import { CronJob } from 'kubernetes-models-1.33/batch/v1/CronJob';
import { Job } from 'kubernetes-models-1.33/batch/v1/Job';
import { PodDisruptionBudget } from 'kubernetes-models-1.33/policy/v1/PodDisruptionBudget';
import { ConfigMap } from 'kubernetes-models-1.33/v1/ConfigMap';
import { Namespace } from 'kubernetes-models-1.33/v1/Namespace';
import { Service } from 'kubernetes-models-1.33/v1/Service';
import { ServiceAccount } from 'kubernetes-models-1.33/v1/ServiceAccount';

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

type Model = new (data: object) => { validate(): void };

/**
 * Kubernetes 1.33 (kubernetes-models 4.5.x) for core kinds, and the npm models of KEDA,
 * Karpenter and Argo CD for theirs: each throws on an object its schema rejects.
 */
const MODELS: Record<string, Model> = {
  'v1/Namespace': Namespace,
  'v1/ServiceAccount': ServiceAccount,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/CronJob': CronJob,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'keda.sh/v1alpha1/ScaledJob': ScaledJob,
  'keda.sh/v1alpha1/TriggerAuthentication': TriggerAuthentication as unknown as Model,
  'karpenter.sh/v1/NodePool': NodePool as unknown as Model,
  'karpenter.k8s.aws/v1/EC2NodeClass': EC2NodeClass,
  'argoproj.io/v1alpha1/Application': Application as unknown as Model,
};

const SCHEMAS = join(import.meta.dirname, '..', '..', 'imports', 'schemas');
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const compiled = new Map<string, ValidateFunction>();

/**
 * The exact CRD schema the imports came from (imports/schemas), made strict the way the API
 * server's pruning is: a field the schema does not know would be silently dropped, so here it
 * is an error.
 */
function crdValidator(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = `${apiVersion}/${kind}`;
  if (!compiled.has(key)) {
    const file = join(
      SCHEMAS,
      apiVersion.includes('/') ? apiVersion : `core/${apiVersion}`,
      `${kind}.json`,
    );
    let schema: Record<string, unknown>;
    try {
      schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    compiled.set(key, ajv.compile(closeObjects(schema)));
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

/** Every problem with one object: its model's and its CRD schema's. Empty when valid. */
export function validateManifest(manifest: Manifest): string[] {
  const problems: string[] = [];
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  const model = MODELS[key];
  const crd = crdValidator(manifest.apiVersion, manifest.kind);
  if (!model && !crd) return [`no schema known for ${key}`];
  if (model) {
    try {
      new model(manifest).validate();
    } catch (err) {
      problems.push(`${key} ${manifest.metadata.name}: ${(err as Error).message}`);
    }
  }
  const name = manifest.metadata.name;
  if (crd && !crd(structuredClone(manifest))) {
    for (const e of crd.errors ?? [])
      problems.push(`${key} ${name}: ${e.instancePath} ${e.message ?? ''}`);
  }
  if (manifest.kind === 'ScaledJob') {
    // The Job KEDA will create, checked as a Kubernetes 1.33 batch/v1 Job.
    const spec = (manifest.spec as { jobTargetRef: object }).jobTargetRef;
    try {
      new (Job as unknown as Model)({
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'x' },
        spec,
      }).validate();
    } catch (err) {
      problems.push(
        `${key} ${manifest.metadata.name} jobTargetRef as batch/v1 Job: ${(err as Error).message}`,
      );
    }
  }
  return problems;
}
