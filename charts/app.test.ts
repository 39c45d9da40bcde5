import { describe, expect, it } from 'vitest';
import { loadConfig, WORKER_ENV_NAMES } from '../worker/src/config/config.ts';
import type { DeploymentInput } from './config/config.ts';
import { podIdentityTrustPolicy } from './plan/iam.ts';
import { SQS_SCALER_METADATA_KEYS } from './constructs/sqs-scaled-job.ts';
import { byKind, exampleInput, karpenterInput, one, synth } from './testing/fixtures.ts';
import { validateManifest, type Manifest } from './testing/validate.ts';

interface PodTemplate {
  metadata: { labels: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    serviceAccountName: string;
    automountServiceAccountToken: boolean;
    terminationGracePeriodSeconds: number;
    restartPolicy: string;
    securityContext: Record<string, unknown>;
    tolerations?: { key: string; value: string; effect: string }[];
    affinity?: unknown;
    containers: {
      env: { name: string; value?: string; valueFrom?: unknown }[];
      resources: { requests: Record<string, string>; limits: Record<string, string> };
      securityContext: Record<string, unknown>;
      volumeMounts: { name: string; mountPath: string }[];
    }[];
    volumes: { name: string; emptyDir: { sizeLimit: string } }[];
  };
}
interface ScaledJobSpec {
  jobTargetRef: {
    backoffLimit: number;
    activeDeadlineSeconds: number;
    ttlSecondsAfterFinished: number;
    template: PodTemplate;
  };
  pollingInterval: number;
  minReplicaCount: number;
  maxReplicaCount: number;
  successfulJobsHistoryLimit: number;
  failedJobsHistoryLimit: number;
  scalingStrategy: { strategy: string };
  rollout: { strategy: string };
  triggers: {
    type: string;
    metadata: Record<string, string>;
    authenticationRef: { name: string };
  }[];
}

const scaledJobOf = (manifests: Manifest[]) => one(manifests, 'ScaledJob').spec as ScaledJobSpec;

describe('the charts, placed on Fargate (the example config, as shipped)', () => {
  const s = synth(exampleInput());
  const spec = scaledJobOf(s.workload);
  const pod = spec.jobTargetRef.template;
  const container = pod.spec.containers[0]!;

  it('matches the snapshot', () => {
    expect(s.all).toMatchSnapshot();
  });

  it('validates every object against Kubernetes 1.34, 1.35 and 1.36 and its CRD schemas (KEDA 2.20.0 and 2.20.2)', () => {
    expect(s.all.flatMap(validateManifest)).toEqual([]);
  });

  it('gives the worker an IRSA service account and KEDA a pod identity, never keys', () => {
    const sa = one(s.workload, 'ServiceAccount', 'keda-transcoder-worker');
    expect(sa.metadata.annotations).toMatchObject({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/keda-transcoder-worker',
      'eks.amazonaws.com/sts-regional-endpoints': 'true',
    });
    expect(pod.spec.serviceAccountName).toBe(sa.metadata.name);
    const auth = one(s.workload, 'TriggerAuthentication');
    expect(auth.spec).toEqual({ podIdentity: { provider: 'aws', identityOwner: 'keda' } });
    expect(spec.triggers[0]!.authenticationRef.name).toBe(auth.metadata.name);
    expect(JSON.stringify(s.all)).not.toMatch(/awsAccessKeyID|awsSecretAccessKey|secretTargetRef/);
  });

  it('scales one Job per message from zero, counting in-flight messages, with the default strategy', () => {
    expect(spec).toMatchObject({
      pollingInterval: 15,
      minReplicaCount: 0,
      maxReplicaCount: 20,
      successfulJobsHistoryLimit: 5,
      failedJobsHistoryLimit: 10,
      rollout: { strategy: 'gradual' },
    });
    // Unset means `default` on every KEDA 2.20.x; the value itself only on 2.20.2 and later.
    expect(spec).not.toHaveProperty('scalingStrategy');
    expect(spec.triggers).toHaveLength(1);
    expect(spec.triggers[0]).toMatchObject({
      type: 'aws-sqs-queue',
      metadata: {
        queueURL: 'https://sqs.eu-west-1.amazonaws.com/123456789012/keda-transcoder-jobs',
        awsRegion: 'eu-west-1',
        queueLength: '1',
        activationQueueLength: '0',
        scaleOnInFlight: 'true',
      },
    });
  });

  it('uses only trigger metadata keys the KEDA 2.20 SQS scaler reads, as strings', () => {
    const metadata = spec.triggers[0]!.metadata;
    for (const [key, value] of Object.entries(metadata)) {
      expect(SQS_SCALER_METADATA_KEYS, key).toContain(key);
      expect(typeof value, key).toBe('string');
    }
    // queueURL must parse to /<account>/<name>, and a region is required.
    expect(new URL(metadata.queueURL!).pathname.split('/')).toHaveLength(3);
    expect(metadata.awsRegion).toBeTruthy();
  });

  it('lets Kubernetes retry nothing: SQS does', () => {
    expect(spec.jobTargetRef).toMatchObject({
      backoffLimit: 0,
      activeDeadlineSeconds: 21600,
      ttlSecondsAfterFinished: 3600,
    });
    expect(pod.spec.restartPolicy).toBe('Never');
  });

  it('passes the worker exactly the environment it reads, and it loads', () => {
    const names = container.env.map((e) => e.name);
    for (const name of names) expect([...WORKER_ENV_NAMES, 'TMPDIR'], name).toContain(name);
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value ?? 'pod-name']));
    const config = loadConfig(env);
    expect(config).toMatchObject({
      region: 'eu-west-1',
      queueUrl: s.config.queueUrl,
      deadLetterQueueUrl: s.config.deadLetterQueueUrl,
      tableName: 'keda-transcoder-jobs',
      workDir: '/work',
      maxReceiveCount: 3,
      visibilityTimeoutSeconds: 120,
      heartbeatSeconds: 30,
      shutdownGraceSeconds: 25,
    });
    expect(container.env.find((e) => e.name === 'WORKER_ID')?.valueFrom).toEqual({
      fieldRef: { fieldPath: 'metadata.name' },
    });
  });

  it('sizes the pod with requests equal to limits, ephemeral storage and a bounded work volume', () => {
    expect(container.resources.requests).toEqual(container.resources.limits);
    expect(container.resources.requests).toEqual({
      cpu: '2',
      memory: '3840Mi',
      'ephemeral-storage': '21Gi',
    });
    expect(pod.spec.volumes.find((v) => v.name === 'work')?.emptyDir.sizeLimit).toBe('20480Mi');
    expect(container.volumeMounts).toContainEqual({ name: 'work', mountPath: '/work' });
    expect(s.built.fargate).toEqual({ vcpu: 2, memoryGiB: 4, requestedMemoryMiB: 4096 });
  });

  it('gives the worker time to release its message before Kubernetes kills it', () => {
    const shutdown = Number(container.env.find((e) => e.name === 'SHUTDOWN_GRACE_SECONDS')?.value);
    expect(pod.spec.terminationGracePeriodSeconds).toBe(shutdown + 5);
  });

  it('hardens the pod: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.spec.securityContext).toMatchObject({
      runAsNonRoot: true,
      runAsUser: 10001,
      fsGroup: 10001,
    });
    expect(container.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 10001,
      runAsGroup: 10001,
      privileged: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
  });

  it('labels pods for the Fargate profile and routes logs to CloudWatch', () => {
    expect(pod.metadata.labels).toMatchObject({ 'keda-transcoder/compute': 'fargate' });
    expect(one(s.cluster, 'Namespace', 'keda-transcoder').metadata.name).toBe('keda-transcoder');
    const observability = one(s.cluster, 'Namespace', 'aws-observability');
    expect(observability.metadata.labels).toMatchObject({ 'aws-observability': 'enabled' });
    const logging = one(s.cluster, 'ConfigMap', 'aws-logging');
    expect(logging.metadata.namespace).toBe('aws-observability');
    expect((logging.data as Record<string, string>)['output.conf']).toMatch(
      /Name cloudwatch_logs[\s\S]*log_group_name \/eks\/keda-transcoder/,
    );
    expect(byKind(s.all, 'NodePool')).toEqual([]);
  });

  it('orders the Argo CD sync with waves and applies server-side', () => {
    const wave = (m: Manifest) => Number(m.metadata.annotations?.['argocd.argoproj.io/sync-wave']);
    expect(wave(one(s.cluster, 'Namespace', 'keda-transcoder'))).toBeLessThan(
      wave(one(s.workload, 'ServiceAccount', 'keda-transcoder-worker')),
    );
    expect(wave(one(s.workload, 'TriggerAuthentication'))).toBeLessThan(
      wave(one(s.workload, 'ScaledJob')),
    );
    const app = one(s.argocd, 'Application');
    expect(app.metadata.namespace).toBe('argocd');
    expect(app.spec).toMatchObject({
      source: {
        repoURL: 'https://github.com/example/keda-transcoder-deploy.git',
        path: '.',
        targetRevision: 'main',
        plugin: {
          name: 'keda-transcoder-cdk8s',
          env: [{ name: 'DEPLOY_CONFIG', value: 'charts/environments/example.yaml' }],
        },
      },
      destination: { namespace: 'keda-transcoder' },
    });
    expect(
      (app.spec as { syncPolicy: { syncOptions: string[] } }).syncPolicy.syncOptions,
    ).toContain('ServerSideApply=true');
  });

  it('reads committed manifests instead, minus its own file, with argocd.source manifests', () => {
    const input = exampleInput();
    const { plugin: _p, ...argocd } = input.argocd!;
    const m = synth({ ...input, argocd: { ...argocd, source: 'manifests' } });
    expect(one(m.argocd, 'Application').spec).toMatchObject({
      source: { path: 'dist', directory: { exclude: 'keda-transcoder-argocd.k8s.yaml' } },
    });
    expect(byKind(m.argocd, 'ConfigMap')).toEqual([]);
    expect(m.built.argocdFiles).toBeUndefined();
  });

  it('keeps EKS Pod Identity off Fargate and off KEDA identityOwner workload, saying why', () => {
    expect(() => synth({ ...exampleInput(), identity: 'pod-identity' })).toThrow(
      /identity: pod-identity needs the EKS Pod Identity Agent, which runs on EC2 nodes only/,
    );
    expect(() =>
      synth({
        ...karpenterInput(),
        identity: 'pod-identity',
        keda: { identity: { owner: 'workload' } },
      }),
    ).toThrow(
      /keda\.identity: owner workload has KEDA read the worker service account's IRSA role annotation/,
    );
  });

  it('refuses a plugin source without the render image, and hydrator settings without the hydrator', () => {
    const input = exampleInput();
    const { plugin: _p, ...argocd } = input.argocd!;
    expect(() => synth({ ...input, argocd })).toThrow(
      /argocd\.plugin: is required when argocd\.source is plugin/,
    );
    expect(() =>
      synth({ ...input, argocd: { ...input.argocd!, hydrator: { targetBranch: 'x' } } }),
    ).toThrow(/argocd\.hydrator: applies only when argocd\.source is hydrator/);
    expect(() =>
      synth({
        ...input,
        argocd: { ...input.argocd!, source: 'hydrator', hydrator: { path: '.' } },
      }),
    ).toThrow(/argocd\.hydrator\.path: must not be the root/);
    expect(() => synth({ ...input, argocd: { ...input.argocd!, path: '../elsewhere' } })).toThrow(
      /argocd\.path/,
    );
  });

  it('writes a least-privilege worker policy: only the actions the worker calls, only on its resources', () => {
    const policy = s.built.iam['worker-policy.json'] as {
      Statement: { Action: string[]; Resource: string | string[] }[];
    };
    const actions = policy.Statement.flatMap((st) => st.Action).sort();
    expect(actions).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      's3:AbortMultipartUpload',
      's3:DeleteObject',
      's3:GetObject',
      's3:ListBucket',
      's3:PutObject',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:ReceiveMessage',
      'sqs:SendMessage',
    ]);
    const resources = policy.Statement.flatMap((st) => [st.Resource].flat());
    expect(resources).toEqual([
      'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs',
      'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs',
      'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs-dlq',
      'arn:aws:s3:::example-keda-transcoder-media/uploads/*',
      'arn:aws:s3:::example-keda-transcoder-media/renditions/_work/*',
      'arn:aws:s3:::example-keda-transcoder-media',
      'arn:aws:s3:::example-keda-transcoder-media/renditions/*',
      'arn:aws:s3:::example-keda-transcoder-media/renditions/_work/*',
      'arn:aws:s3:::example-keda-transcoder-media/renditions/_work/*',
      'arn:aws:dynamodb:eu-west-1:123456789012:table/keda-transcoder-jobs',
    ]);
    expect(s.built.iam['keda-scaler-policy.json']).toMatchObject({
      Statement: [
        {
          Action: ['sqs:GetQueueAttributes'],
          Resource: 'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs',
        },
      ],
    });
  });
});

describe('the charts, placed on Karpenter', () => {
  const s = synth(karpenterInput());
  const pod = scaledJobOf(s.workload).jobTargetRef.template;

  it('matches the snapshot', () => {
    expect(s.all).toMatchSnapshot();
  });

  it('validates every object against Kubernetes 1.34, 1.35 and 1.36 and its CRD schemas (KEDA 2.20.0 and 2.20.2)', () => {
    expect(s.all.flatMap(validateManifest)).toEqual([]);
  });

  it('puts a spot-first NodePool and its EC2NodeClass in a cluster-scoped chart, without a namespace', () => {
    const pool = one(s.cluster, 'NodePool');
    const nodeClass = one(s.cluster, 'EC2NodeClass');
    for (const m of [pool, nodeClass, one(s.cluster, 'Namespace')])
      expect(m.metadata.namespace).toBeUndefined();
    const spec = pool.spec as {
      template: {
        spec: {
          requirements: { key: string; operator: string; values: string[] }[];
          taints: object[];
          nodeClassRef: object;
        };
      };
      limits: object;
      disruption: { consolidationPolicy: string; consolidateAfter: string; budgets: object[] };
    };
    expect(spec.template.spec.requirements).toContainEqual({
      key: 'karpenter.sh/capacity-type',
      operator: 'In',
      values: ['spot', 'on-demand'],
    });
    expect(spec.template.spec.requirements).toContainEqual({
      key: 'karpenter.k8s.aws/instance-category',
      operator: 'In',
      values: ['c', 'm'],
    });
    expect(spec.template.spec.nodeClassRef).toEqual({
      group: 'karpenter.k8s.aws',
      kind: 'EC2NodeClass',
      name: nodeClass.metadata.name,
    });
    expect(spec.template.spec.taints).toEqual([
      { key: 'keda-transcoder/worker', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(spec.limits).toEqual({ cpu: '64', memory: '256Gi' });
    expect(spec.disruption).toMatchObject({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '60s',
    });
    expect(spec.disruption.budgets).toContainEqual({ nodes: '20%' });
    expect(nodeClass.spec).toMatchObject({
      amiSelectorTerms: [{ alias: 'al2023@latest' }],
      role: 'KarpenterNodeRole-media-prod',
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'media-prod' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'media-prod' } }],
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
    });
  });

  it('keeps Karpenter from disrupting a running transcode and pins workers to their tainted pool', () => {
    expect(pod.metadata.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true' });
    expect(pod.spec.tolerations).toEqual([
      { key: 'keda-transcoder/worker', operator: 'Equal', value: 'true', effect: 'NoSchedule' },
    ]);
    expect(JSON.stringify(pod.spec.affinity)).toContain(
      '"key":"karpenter.sh/nodepool","operator":"In","values":["keda-transcoder"]',
    );
    expect(pod.metadata.labels['keda-transcoder/compute']).toBeUndefined();
    // No Fargate log router (the one ConfigMap is the Argo CD plugin's, in Argo CD's namespace).
    expect(byKind([...s.cluster, ...s.workload], 'ConfigMap')).toEqual([]);
  });
});

describe('optional AWS resources through ACK', () => {
  const s = synth({
    ...exampleInput(),
    worker: { ...exampleInput().worker, recordTtlDays: 90 },
    ack: { ...exampleInput().ack!, enabled: true },
  });

  it('validates every ACK object against its CRD schema', () => {
    expect(s.aws.map((m) => m.kind).sort()).toEqual([
      'Bucket',
      'Policy',
      'Policy',
      'Policy',
      'Queue',
      'Queue',
      'Role',
      'Role',
      'Role',
      'Table',
    ]);
    expect(s.aws.flatMap(validateManifest)).toEqual([]);
  });

  it('creates the queue with its DLQ redrive, a private encrypted bucket, the table and the IRSA role', () => {
    const queue = one(s.aws, 'Queue', 'keda-transcoder-queue').spec as Record<string, string>;
    expect(queue.queueName).toBe('keda-transcoder-jobs');
    expect(JSON.parse(queue.redrivePolicy!)).toEqual({
      deadLetterTargetArn: 'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs-dlq',
      maxReceiveCount: 3,
    });
    expect(queue.visibilityTimeout).toBe('120');
    const bucket = one(s.aws, 'Bucket').spec as Record<string, unknown>;
    expect(bucket.publicAccessBlock).toEqual({
      blockPublicACLs: true,
      ignorePublicACLs: true,
      blockPublicPolicy: true,
      restrictPublicBuckets: true,
    });
    expect(JSON.stringify(bucket.lifecycle)).toContain('"prefix":"uploads/"');
    expect(one(s.aws, 'Table').spec).toMatchObject({
      tableName: 'keda-transcoder-jobs',
      billingMode: 'PAY_PER_REQUEST',
      keySchema: [{ attributeName: 'pk', keyType: 'HASH' }],
      globalSecondaryIndexes: [
        expect.objectContaining({ indexName: 'by-created' }),
        expect.objectContaining({ indexName: 'by-status' }),
      ],
      timeToLive: { attributeName: 'expiresAt', enabled: true },
    });
    const role = one(s.aws, 'Role', 'keda-transcoder-worker').spec as {
      assumeRolePolicyDocument: string;
      policyRefs: { from: { name: string } }[];
    };
    const trust = JSON.parse(role.assumeRolePolicyDocument) as {
      Statement: { Condition: { StringEquals: Record<string, string> } }[];
    };
    expect(Object.values(trust.Statement[0]!.Condition.StringEquals)).toContain(
      'system:serviceaccount:keda-transcoder:keda-transcoder-worker',
    );
    expect(role.policyRefs).toEqual([
      { from: { name: one(s.aws, 'Policy', 'keda-transcoder-worker').metadata.name } },
    ]);
    expect(
      JSON.parse(
        (one(s.aws, 'Policy', 'keda-transcoder-worker').spec as { policyDocument: string })
          .policyDocument,
      ),
    ).toEqual(s.built.iam['worker-policy.json']);
    expect(s.built.iam['worker-trust-policy.json']).toEqual(trust);
  });
});

describe('uploads from the page to an ACK bucket', () => {
  const base = exampleInput();
  const s = synth({
    ...base,
    ack: { ...base.ack!, enabled: true },
    control: {
      ...base.control!,
      api: { ...base.control!.api, corsOrigins: ['https://transcoder.example.com'] },
    },
  });

  it('lets the page origin PUT upload parts and read their ETag, and nothing more', () => {
    expect((one(s.aws, 'Bucket').spec as { cors?: unknown }).cors).toEqual({
      corsRules: [
        {
          id: 'page-uploads',
          allowedMethods: ['PUT'],
          allowedOrigins: ['https://transcoder.example.com'],
          allowedHeaders: ['content-type', 'content-length'],
          exposeHeaders: ['ETag'],
          maxAgeSeconds: 600,
        },
      ],
    });
    expect(s.aws.flatMap(validateManifest)).toEqual([]);
  });

  it('aborts uploads that were never completed', () => {
    const lifecycle = (one(s.aws, 'Bucket').spec as { lifecycle: { rules: object[] } }).lifecycle;
    expect(lifecycle.rules).toContainEqual(
      expect.objectContaining({ abortIncompleteMultipartUpload: { daysAfterInitiation: 2 } }),
    );
  });

  it('refuses an origin with a path, which a browser never sends', () => {
    expect(() =>
      synth({
        ...base,
        control: {
          ...base.control!,
          api: { ...base.control!.api, corsOrigins: ['https://x.example.com/app'] },
        },
      }),
    ).toThrow(/corsOrigins\.0: must be an origin like https:\/\/transcoder\.example\.com/);
  });
});

describe('every deployment setting', () => {
  type DeepRequired<T> = T extends readonly (infer U)[]
    ? DeepRequired<U>[]
    : T extends object
      ? { [K in keyof T]-?: DeepRequired<Exclude<T[K], undefined>> }
      : T;
  // Typed so that a new setting cannot be added without appearing here.
  const everything: DeepRequired<DeploymentInput> = {
    name: 'media',
    namespace: 'media-jobs',
    image: 'registry.example.com/media/keda-transcoder@sha256:' + 'a'.repeat(64),
    region: 'us-east-2',
    queueUrl: 'https://sqs.us-east-2.amazonaws.com/210987654321/media-jobs',
    deadLetterQueueUrl: 'https://sqs.us-east-2.amazonaws.com/210987654321/media-jobs-dlq',
    outputUri: 's3://media-out/hls/',
    inputUris: ['s3://media-in/incoming/', 's3://media-out/uploads/'],
    tableName: 'media-jobs',
    workerRoleArn: 'arn:aws:iam::210987654321:role/media-worker',
    placement: 'karpenter',
    identity: 'pod-identity',
    worker: {
      cpu: 4,
      memoryMiB: 8192,
      workVolumeGiB: 50,
      jobDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 600,
      idleTimeoutSeconds: 45,
      visibilityTimeoutSeconds: 300,
      heartbeatSeconds: 60,
      retryDelaySeconds: 10,
      retryDelayMaxSeconds: 120,
      shutdownGraceSeconds: 40,
      maxReceiveCount: 4,
      maxInputBytes: 10 * 2 ** 30,
      maxDurationSeconds: 7200,
      maxDimension: 4096,
      maxFrameRate: 60,
      uploadConcurrency: 8,
      recordTtlDays: 30,
      splitThresholdSeconds: 600,
      chunkSeconds: 120,
      firstChunkSeconds: 8,
      workUri: 's3://media-scratch/split/',
      logLevel: 'debug',
      runAsUser: 20000,
    },
    scaling: {
      pollingIntervalSeconds: 30,
      maxReplicaCount: 50,
      successfulJobsHistoryLimit: 2,
      failedJobsHistoryLimit: 3,
    },
    keda: { identity: { roleArn: 'arn:aws:iam::210987654321:role/keda-sqs-reader' } },
    fargate: {
      profileLabel: { compute: 'fargate' },
      logging: { enabled: false, logGroup: '/x', retentionDays: 7 },
    },
    karpenter: {
      clusterName: 'media',
      nodeRoleName: 'KarpenterNodeRole-media',
      amiAlias: 'bottlerocket@v1.40.0',
      capacityTypes: ['spot'],
      instanceCategories: ['c'],
      minInstanceGeneration: 6,
      architectures: ['arm64'],
      limits: { cpu: 200, memoryGiB: 800 },
      consolidateAfterSeconds: 300,
      disruptionBudget: '2',
      rootVolumeGiB: 200,
    },
    argocd: {
      enabled: true,
      repoURL: 'git@example.com:media/deploy.git',
      targetRevision: 'v1',
      source: 'hydrator',
      path: 'k8s/media',
      project: 'media',
      namespace: 'gitops',
      plugin: {
        image: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/keda-transcoder-render:2.0.0',
        name: 'media-render',
        execTimeoutSeconds: 120,
      },
      hydrator: {
        targetBranch: 'hydrated/media',
        path: 'media-prod',
        hydrateTo: 'hydrated/media-next',
      },
    },
    ack: {
      enabled: true,
      accountId: '210987654321',
      oidcIssuer: 'oidc.eks.us-east-2.amazonaws.com/id/ABC123',
      sourceExpirationDays: 7,
    },
    control: {
      roleArn: 'arn:aws:iam::210987654321:role/media-control',
      api: {
        enabled: true,
        replicas: 3,
        cpu: 0.5,
        memoryMiB: 512,
        tokensSecret: { name: 'media-api-keys', key: 'bearer' },
        schedulerRoleArn: 'arn:aws:iam::210987654321:role/media-scheduler',
        scheduleGroup: 'media',
        uploadUri: 's3://media-in/incoming/api/',
        uploadMaxBytes: 2 ** 30,
        uploadPartSizeMb: 16,
        corsOrigins: ['https://media.example.com'],
        uploadUrlTtlSeconds: 600,
      },
      schedules: [
        {
          name: 'nightly',
          cron: '0 2 * * *',
          timezone: 'America/Chicago',
          suspend: true,
          job: { version: 1, input: 's3://media-in/incoming/nightly.mov', formats: ['hls'] },
        },
      ],
      scheduleResources: { cpu: 0.5, memoryMiB: 384 },
    },
    events: {
      snsTopicArn: 'arn:aws:sns:us-east-2:210987654321:media-job-events',
      eventBusArn: 'arn:aws:events:us-east-2:210987654321:event-bus/media',
      source: 'com.example.media',
      webhooks: {
        secret: { name: 'media-webhooks', key: 'signing' },
        timeoutSeconds: 5,
        attempts: 3,
      },
    },
  };
  const s = synth(everything);

  it('validates with every setting set', () => {
    expect(s.all.flatMap(validateManifest)).toEqual([]);
  });

  it('carries each setting into the manifests', () => {
    const spec = scaledJobOf(s.workload);
    const container = spec.jobTargetRef.template.spec.containers[0]!;
    const env = Object.fromEntries(container.env.map((e) => [e.name, e.value]));
    expect(env).toMatchObject({
      AWS_REGION: 'us-east-2',
      MAX_RECEIVE_COUNT: '4',
      IDLE_TIMEOUT_SECONDS: '45',
      VISIBILITY_TIMEOUT_SECONDS: '300',
      HEARTBEAT_SECONDS: '60',
      RETRY_DELAY_SECONDS: '10',
      RETRY_DELAY_MAX_SECONDS: '120',
      SHUTDOWN_GRACE_SECONDS: '40',
      MAX_INPUT_BYTES: String(10 * 2 ** 30),
      MAX_DURATION_SECONDS: '7200',
      MAX_DIMENSION: '4096',
      MAX_FRAME_RATE: '60',
      UPLOAD_CONCURRENCY: '8',
      RECORD_TTL_DAYS: '30',
      LOG_LEVEL: 'debug',
      OUTPUT_URI: 's3://media-out/hls/',
      EVENTS_SNS_TOPIC_ARN: 'arn:aws:sns:us-east-2:210987654321:media-job-events',
      EVENTS_BUS: 'arn:aws:events:us-east-2:210987654321:event-bus/media',
      EVENTS_SOURCE: 'com.example.media',
      WEBHOOK_TIMEOUT_SECONDS: '5',
      WEBHOOK_ATTEMPTS: '3',
    });
    expect(container.env).toContainEqual({
      name: 'WEBHOOK_SECRET',
      valueFrom: { secretKeyRef: { name: 'media-webhooks', key: 'signing', optional: false } },
    });
    expect(container.resources.requests).toEqual({
      cpu: '4',
      memory: '8192Mi',
      'ephemeral-storage': '51Gi',
    });
    expect(spec).toMatchObject({
      pollingInterval: 30,
      maxReplicaCount: 50,
      successfulJobsHistoryLimit: 2,
      failedJobsHistoryLimit: 3,
    });
    expect(spec.jobTargetRef).toMatchObject({
      activeDeadlineSeconds: 7200,
      ttlSecondsAfterFinished: 600,
    });
    expect(spec.jobTargetRef.template.spec.terminationGracePeriodSeconds).toBe(45);
    expect(spec.jobTargetRef.template.spec.securityContext).toMatchObject({ runAsUser: 20000 });
    expect(one(s.workload, 'TriggerAuthentication').spec).toEqual({
      podIdentity: { provider: 'aws', roleArn: 'arn:aws:iam::210987654321:role/keda-sqs-reader' },
    });
    expect(one(s.cluster, 'EC2NodeClass').spec).toMatchObject({
      amiSelectorTerms: [{ alias: 'bottlerocket@v1.40.0' }],
    });
    expect(JSON.stringify(one(s.cluster, 'NodePool').spec)).toContain('"values":["arm64"]');
    const app = one(s.argocd, 'Application');
    expect(app.metadata.namespace).toBe('gitops');
    expect(app.spec).toMatchObject({
      project: 'media',
      sourceHydrator: {
        drySource: {
          repoURL: 'git@example.com:media/deploy.git',
          targetRevision: 'v1',
          path: 'k8s/media',
          plugin: {
            name: 'media-render',
            env: [{ name: 'DEPLOY_CONFIG', value: 'charts/environments/example.yaml' }],
          },
        },
        syncSource: { targetBranch: 'hydrated/media', path: 'media-prod' },
        hydrateTo: { targetBranch: 'hydrated/media-next' },
      },
    });
    expect(app.spec).not.toHaveProperty('source');
    expect(one(s.argocd, 'ConfigMap', 'media-render-cmp').metadata.namespace).toBe('gitops');
    const sidecar = s.built.argocdFiles!['repo-server-patch.yaml'] as {
      spec: { template: { spec: { containers: { image: string; env: object[] }[] } } };
    };
    expect(sidecar.spec.template.spec.containers[0]).toMatchObject({
      image: '210987654321.dkr.ecr.eu-west-1.amazonaws.com/keda-transcoder-render:2.0.0',
      env: [{ name: 'ARGOCD_EXEC_TIMEOUT', value: '120s' }],
    });
    // EKS Pod Identity: no role annotation; ACK associations bound to the ACK roles, whose
    // trust is the Pod Identity service's.
    for (const name of ['media-worker', 'media-control'])
      expect(one(s.workload, 'ServiceAccount', name).metadata.annotations ?? {}).not.toHaveProperty(
        'eks.amazonaws.com/role-arn',
      );
    expect(one(s.aws, 'PodIdentityAssociation', 'media-worker').spec).toEqual({
      clusterName: 'media',
      namespace: 'media-jobs',
      serviceAccount: 'media-worker',
      roleRef: { from: { name: 'media-worker' } },
    });
    expect(one(s.aws, 'PodIdentityAssociation', 'media-control').spec).toMatchObject({
      serviceAccount: 'media-control',
      roleRef: { from: { name: 'media-control' } },
    });
    expect(
      JSON.parse(
        (one(s.aws, 'Role', 'media-worker').spec as { assumeRolePolicyDocument: string })
          .assumeRolePolicyDocument,
      ),
    ).toEqual(podIdentityTrustPolicy());
    expect(s.built.iam['pod-identity-worker.json']).toEqual({
      clusterName: 'media',
      namespace: 'media-jobs',
      serviceAccount: 'media-worker',
      roleArn: 'arn:aws:iam::210987654321:role/media-worker',
    });
    const policy = JSON.stringify(s.built.iam['worker-policy.json']);
    expect(policy).toContain('arn:aws:s3:::media-in/incoming/*');
    expect(policy).toContain('arn:aws:s3:::media-out/uploads/*');
    const statements = (
      s.built.iam['worker-policy.json'] as {
        Statement: { Sid: string; Action: string[]; Resource: string }[];
      }
    ).Statement;
    expect(statements.find((x) => x.Sid === 'PublishJobEvents')).toMatchObject({
      Action: ['sns:Publish'],
      Resource: 'arn:aws:sns:us-east-2:210987654321:media-job-events',
    });
    expect(statements.find((x) => x.Sid === 'PutJobEvents')).toMatchObject({
      Action: ['events:PutEvents'],
      Resource: 'arn:aws:events:us-east-2:210987654321:event-bus/media',
    });

    const api = one(s.workload, 'Deployment', 'media-api').spec as {
      replicas: number;
      template: { spec: { containers: (typeof container)[] } };
    };
    expect(api.replicas).toBe(3);
    const apiContainer = api.template.spec.containers[0]!;
    expect(apiContainer.resources.limits).toMatchObject({ cpu: '0.5', memory: '512Mi' });
    expect(
      Object.fromEntries(apiContainer.env.map((e) => [e.name, e.value ?? e.valueFrom])),
    ).toMatchObject({
      API_TOKENS: { secretKeyRef: { name: 'media-api-keys', key: 'bearer', optional: false } },
      SCHEDULER_ROLE_ARN: 'arn:aws:iam::210987654321:role/media-scheduler',
      SCHEDULE_GROUP: 'media',
      UPLOAD_URI: 's3://media-in/incoming/api/',
      UPLOAD_MAX_BYTES: String(2 ** 30),
      UPLOAD_PART_SIZE_MB: '16',
      UPLOAD_URL_TTL_SECONDS: '600',
    });
    // Uploads go to media-in, which ACK does not manage: its CORS is the README's to explain.
    expect((one(s.aws, 'Bucket').spec as { cors?: unknown }).cors).toBeUndefined();
    const cron = one(s.workload, 'CronJob', 'media-schedule-nightly').spec as {
      schedule: string;
      timeZone: string;
      suspend: boolean;
      jobTemplate: { spec: { template: { spec: { containers: (typeof container)[] } } } };
    };
    expect(cron).toMatchObject({
      schedule: '0 2 * * *',
      timeZone: 'America/Chicago',
      suspend: true,
    });
    expect(cron.jobTemplate.spec.template.spec.containers[0]!.resources.limits).toMatchObject({
      cpu: '0.5',
      memory: '384Mi',
    });
    const controlPolicy = JSON.stringify(s.built.iam['control-policy.json']);
    expect(controlPolicy).toContain('arn:aws:s3:::media-in/incoming/api/*');
    expect(controlPolicy).toContain('schedule/media/*');
    expect(one(s.aws, 'Role', 'media-scheduler').spec).toMatchObject({ name: 'media-scheduler' });
  });
});
