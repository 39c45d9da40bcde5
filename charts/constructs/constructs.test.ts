// Tests read arbitrary manifest paths.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
import { Chart, Duration, Size, Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { validateManifest, type Manifest } from '../testing/validate.ts';
import { ControlApi, type ControlApiProps } from './control-api.ts';
import { KarpenterPool, type KarpenterPoolProps } from './karpenter-pool.ts';
import { ScheduledEnqueue, type ScheduledEnqueueProps } from './scheduled-enqueue.ts';
import { SqsScaledJob, type SqsScaledJobProps } from './sqs-scaled-job.ts';
import { renderWorkerJobSpec, type WorkerJobTemplateProps } from './worker-job-template.ts';

/** Every prop of each construct set, typed Required<...> so a new prop cannot go untested. */
describe('constructs with every prop set', () => {
  const templateProps: Required<WorkerJobTemplateProps> = {
    image: 'registry.example.com/t:1',
    serviceAccountName: 'worker',
    env: { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' },
    secretEnv: { WEBHOOK_SECRET: { name: 'hooks', key: 'signing' } },
    cpu: 1,
    memory: Size.mebibytes(1536),
    workVolume: Size.gibibytes(5),
    workMount: '/scratch',
    activeDeadline: Duration.minutes(30),
    ttlAfterFinished: Duration.minutes(5),
    terminationGracePeriod: Duration.seconds(20),
    runAsUser: 4242,
    podLabels: { team: 'media' },
    podAnnotations: { note: 'x' },
    nodeSelector: { pool: 'video' },
    tolerations: [{ key: 'dedicated', value: 'video', effect: 'NoExecute' }],
    storageOverhead: Size.gibibytes(2),
  };

  it('renders the worker Job with each template prop', () => {
    const spec = renderWorkerJobSpec(templateProps) as Record<string, any>;
    const pod = spec.template.spec;
    const container = pod.containers[0];
    expect(spec).toMatchObject({
      activeDeadlineSeconds: 1800,
      ttlSecondsAfterFinished: 300,
      backoffLimit: 0,
    });
    expect(spec.template.metadata).toEqual({
      labels: { team: 'media' },
      annotations: { note: 'x' },
    });
    expect(pod).toMatchObject({
      serviceAccountName: 'worker',
      terminationGracePeriodSeconds: 20,
      securityContext: { runAsUser: 4242 },
    });
    expect(pod.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'video', effect: 'NoExecute' },
    ]);
    expect(JSON.stringify(pod.affinity)).toContain(
      '"key":"pool","operator":"In","values":["video"]',
    );
    expect(container.image).toBe('registry.example.com/t:1');
    expect(container.env).toContainEqual({
      name: 'WEBHOOK_SECRET',
      valueFrom: { secretKeyRef: { name: 'hooks', key: 'signing', optional: false } },
    });
    expect(container.env).toContainEqual({
      name: 'QUEUE_URL',
      value: 'https://sqs.eu-west-1.amazonaws.com/1/q',
    });
    expect(container.resources.limits).toEqual({
      cpu: '1',
      memory: '1536Mi',
      'ephemeral-storage': '7Gi',
    });
    expect(container.volumeMounts).toContainEqual({ name: 'work', mountPath: '/scratch' });
    expect(pod.volumes).toContainEqual({ name: 'work', emptyDir: { sizeLimit: '5120Mi' } });
  });

  it('builds the ScaledJob and its TriggerAuthentication from each prop', () => {
    const props: Required<SqsScaledJobProps> = {
      name: 'encode',
      queueUrl: 'https://sqs.eu-west-1.amazonaws.com/123456789012/jobs',
      region: 'eu-west-1',
      jobSpec: renderWorkerJobSpec(templateProps),
      pollingInterval: Duration.seconds(7),
      maxReplicaCount: 3,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 2,
      identity: { owner: 'workload' },
    };
    const chart = new Chart(Testing.app(), 'c', {
      namespace: 'ns',
      disableResourceNameHashes: true,
    });
    new SqsScaledJob(chart, 'sj', props);
    const out = Testing.synth(chart) as Manifest[];
    expect(out.flatMap(validateManifest)).toEqual([]);
    const job = out.find((m) => m.kind === 'ScaledJob')!;
    expect(job.metadata.name).toBe('encode');
    expect(job.spec).toMatchObject({
      pollingInterval: 7,
      maxReplicaCount: 3,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 2,
    });
    expect(out.find((m) => m.kind === 'TriggerAuthentication')).toMatchObject({
      metadata: { name: 'encode-sqs' },
      spec: { podIdentity: { provider: 'aws', identityOwner: 'workload' } },
    });
  });

  it('builds the Karpenter pool from each prop', () => {
    const props: Required<KarpenterPoolProps> = {
      name: 'video',
      clusterName: 'c1',
      nodeRoleName: 'nodes',
      amiAlias: 'bottlerocket@latest',
      capacityTypes: ['on-demand'],
      instanceCategories: ['c', 'r'],
      minInstanceGeneration: 7,
      architectures: ['amd64', 'arm64'],
      limits: { cpu: 10, memoryGiB: 40 },
      consolidateAfter: Duration.minutes(2),
      disruptionBudget: '1',
      rootVolumeGiB: 64,
      taint: { key: 'k', value: 'v' },
    };
    const chart = new Chart(Testing.app(), 'c', { disableResourceNameHashes: true });
    new KarpenterPool(chart, 'k', props);
    const out = Testing.synth(chart) as Manifest[];
    expect(out.flatMap(validateManifest)).toEqual([]);
    const pool = JSON.stringify(out.find((m) => m.kind === 'NodePool'));
    for (const fragment of [
      '"values":["on-demand"]',
      '"values":["c","r"]',
      '"values":["6"]',
      '"values":["amd64","arm64"]',
      '"cpu":"10"',
      '"memory":"40Gi"',
      '"consolidateAfter":"120s"',
      '"nodes":"1"',
      '"key":"k","value":"v"',
    ]) {
      expect(pool).toContain(fragment);
    }
    const nodeClass = JSON.stringify(out.find((m) => m.kind === 'EC2NodeClass'));
    for (const fragment of [
      '"alias":"bottlerocket@latest"',
      '"role":"nodes"',
      '"karpenter.sh/discovery":"c1"',
      '"volumeSize":"64Gi"',
    ]) {
      expect(nodeClass).toContain(fragment);
    }
  });

  it('builds the control API from each prop', () => {
    const props: Required<ControlApiProps> = {
      name: 'media',
      image: 'registry.example.com/t:2',
      serviceAccountName: 'ctl',
      replicas: 4,
      cpu: 0.5,
      memory: Size.mebibytes(640),
      env: { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' },
      tokensSecret: { name: 'keys', key: 'k' },
      port: 9090,
      runAsUser: 4242,
      podLabels: { team: 'media' },
    };
    const chart = new Chart(Testing.app(), 'c', {
      namespace: 'ns',
      disableResourceNameHashes: true,
    });
    new ControlApi(chart, 'api', props);
    const out = Testing.synth(chart) as Manifest[];
    expect(out.flatMap(validateManifest)).toEqual([]);
    const deployment = out.find((m) => m.kind === 'Deployment') as any;
    expect(deployment.metadata.name).toBe('media-api');
    expect(deployment.spec.replicas).toBe(4);
    const pod = deployment.spec.template;
    expect(pod.metadata.labels).toMatchObject({ team: 'media' });
    expect(pod.spec.serviceAccountName).toBe('ctl');
    expect(pod.spec.securityContext).toMatchObject({ runAsUser: 4242 });
    const container = pod.spec.containers[0];
    expect(container.image).toBe('registry.example.com/t:2');
    expect(container.resources.limits).toMatchObject({ cpu: '0.5', memory: '640Mi' });
    expect(container.readinessProbe.httpGet.port).toBe(9090);
    expect(container.env).toContainEqual({
      name: 'API_TOKENS',
      valueFrom: { secretKeyRef: { name: 'keys', key: 'k', optional: false } },
    });
    expect(container.env).toContainEqual({
      name: 'QUEUE_URL',
      value: 'https://sqs.eu-west-1.amazonaws.com/1/q',
    });
    expect((out.find((m) => m.kind === 'Service') as any).spec.ports).toEqual([
      { name: 'http', port: 80, targetPort: 9090 },
    ]);
  });

  it('builds a schedule CronJob from each prop', () => {
    const props: Required<ScheduledEnqueueProps> = {
      name: 'media-nightly',
      image: 'registry.example.com/t:3',
      serviceAccountName: 'ctl',
      schedule: '15 3 * * 1-5',
      timeZone: 'Asia/Tokyo',
      suspend: true,
      args: ['enqueue', 's3://b/k.mp4'],
      env: { QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' },
      runKeyVariable: 'RUN',
      cpu: 0.5,
      memory: Size.mebibytes(300),
      runAsUser: 4242,
      podLabels: { team: 'media' },
    };
    const chart = new Chart(Testing.app(), 'c', {
      namespace: 'ns',
      disableResourceNameHashes: true,
    });
    new ScheduledEnqueue(chart, 'cron', props);
    const out = Testing.synth(chart) as Manifest[];
    expect(out.flatMap(validateManifest)).toEqual([]);
    const cron = out.find((m) => m.kind === 'CronJob') as any;
    expect(cron.metadata.name).toBe('media-nightly');
    expect(cron.spec).toMatchObject({
      schedule: '15 3 * * 1-5',
      timeZone: 'Asia/Tokyo',
      suspend: true,
    });
    const pod = cron.spec.jobTemplate.spec.template;
    expect(pod.metadata.labels).toMatchObject({ team: 'media' });
    expect(pod.spec.serviceAccountName).toBe('ctl');
    expect(pod.spec.securityContext).toMatchObject({ runAsUser: 4242 });
    const container = pod.spec.containers[0];
    expect(container.image).toBe('registry.example.com/t:3');
    expect(container.args).toEqual(['enqueue', 's3://b/k.mp4']);
    expect(container.resources.limits).toMatchObject({ cpu: '0.5', memory: '300Mi' });
    expect(container.env).toContainEqual({
      name: 'RUN',
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } },
    });
  });
});
