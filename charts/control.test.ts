import { describe, expect, it } from 'vitest';
import { CONTROL_ENV_NAMES, loadControlConfig } from '../worker/src/config/control.ts';
import { DeploymentConfigError, type DeploymentInput } from './config/config.ts';
import type { PolicyDocument } from './constructs/policy-document.ts';
import { cronJobSchedule, enqueueArgs } from './config/schedules.ts';
import { byKind, exampleInput, karpenterInput, one, synth } from './testing/fixtures.ts';
import { validateManifest, type Manifest } from './testing/validate.ts';

interface Container {
  name: string;
  command: string[];
  args?: string[];
  env: { name: string; value?: string; valueFrom?: Record<string, Record<string, unknown>> }[];
  resources: { requests: Record<string, string>; limits: Record<string, string> };
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string; port: number } };
  readinessProbe?: { httpGet: { path: string; port: number } };
  ports?: { containerPort: number; name: string }[];
}
interface PodSpec {
  serviceAccountName: string;
  automountServiceAccountToken: boolean;
  securityContext: Record<string, unknown>;
  restartPolicy: string;
  containers: Container[];
  tolerations?: unknown;
}
interface Template {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}

const deploymentOf = (m: Manifest) =>
  m.spec as {
    replicas: number;
    selector: { matchLabels: Record<string, string> };
    template: Template;
  };
const cronJobOf = (m: Manifest) =>
  m.spec as {
    schedule: string;
    timeZone: string;
    suspend: boolean;
    concurrencyPolicy: string;
    startingDeadlineSeconds: number;
    jobTemplate: { spec: { backoffLimit: number; template: Template } };
  };
const envOf = (c: Container) => Object.fromEntries(c.env.map((e) => [e.name, e.value]));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

const control = exampleInput().control!;
const withControl = (overrides: Partial<NonNullable<DeploymentInput['control']>>) => ({
  ...exampleInput(),
  control: { ...control, ...overrides },
});

describe('the control plane in the charts (the example config)', () => {
  const s = synth(exampleInput());
  const deployment = one(s.workload, 'Deployment', 'keda-transcoder-api');
  const pod = deploymentOf(deployment).template;
  const api = pod.spec.containers[0]!;
  const workerPod = (one(s.workload, 'ScaledJob').spec as { jobTargetRef: { template: Template } })
    .jobTargetRef.template;
  const worker = workerPod.spec;

  it('validates the API and schedule objects against Kubernetes 1.34-1.36', () => {
    const kinds = ['Deployment', 'Service', 'PodDisruptionBudget', 'CronJob'];
    for (const kind of kinds) expect(byKind(s.workload, kind), kind).toHaveLength(1);
    expect(s.workload.filter((m) => kinds.includes(m.kind)).flatMap(validateManifest)).toEqual([]);
  });

  it('runs the API with its own IRSA identity, apart from the worker', () => {
    const sa = one(s.workload, 'ServiceAccount', 'keda-transcoder-control');
    expect(sa.metadata.annotations).toMatchObject({
      'eks.amazonaws.com/role-arn': 'arn:aws:iam::123456789012:role/keda-transcoder-control',
      'eks.amazonaws.com/sts-regional-endpoints': 'true',
    });
    expect(pod.spec.serviceAccountName).toBe('keda-transcoder-control');
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(worker.serviceAccountName).toBe('keda-transcoder-worker');
  });

  it('hardens the API exactly like the worker', () => {
    expect(pod.spec.securityContext).toEqual(worker.securityContext);
    expect(api.securityContext).toEqual(worker.containers[0]!.securityContext);
    expect(api.securityContext).toMatchObject({
      runAsNonRoot: true,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(api.resources.requests).toEqual(api.resources.limits);
  });

  it('probes liveness on /healthz and readiness on /readyz, on the port the API listens on', () => {
    const port = Number(envOf(api).API_PORT);
    expect(api.ports).toEqual([{ containerPort: port, name: 'http' }]);
    expect(api.livenessProbe?.httpGet).toMatchObject({ path: '/healthz', port });
    expect(api.readinessProbe?.httpGet).toMatchObject({ path: '/readyz', port });
    expect(api.command).toEqual(['node', '/app/api.mjs']);
  });

  it('passes the API the environment it reads, tokens from a Secret, and it loads', () => {
    for (const e of api.env) expect([...CONTROL_ENV_NAMES, 'TMPDIR'], e.name).toContain(e.name);
    expect(api.env.find((e) => e.name === 'API_TOKENS')?.valueFrom).toEqual({
      secretKeyRef: { name: 'keda-transcoder-api-tokens', key: 'tokens', optional: false },
    });
    const loaded = loadControlConfig({ ...envOf(api), API_TOKENS: 'x'.repeat(32) });
    expect(loaded).toMatchObject({
      queueUrl: s.config.queueUrl,
      deadLetterQueueUrl: s.config.deadLetterQueueUrl,
      tableName: 'keda-transcoder-jobs',
      apiPort: 8080,
      schedulerRoleArn: 'arn:aws:iam::123456789012:role/keda-transcoder-scheduler',
      scheduleGroup: 'keda-transcoder',
      upload: { bucket: 'example-keda-transcoder-media', key: 'uploads/' },
    });
    expect(JSON.stringify(s.all)).not.toMatch(/"API_TOKENS","value"/);
  });

  it('serves through a Service and keeps replicas through drains, selecting only API pods', () => {
    const d = deploymentOf(deployment);
    expect(d.replicas).toBe(2);
    const service = one(s.workload, 'Service', 'keda-transcoder-api').spec as {
      type: string;
      selector: Record<string, string>;
      ports: { port: number; targetPort: number }[];
    };
    expect(service.type).toBe('ClusterIP');
    expect(service.ports).toEqual([{ name: 'http', port: 80, targetPort: 8080 }]);
    const pdb = one(s.workload, 'PodDisruptionBudget').spec as {
      maxUnavailable: number;
      selector: { matchLabels: Record<string, string> };
    };
    expect(pdb.maxUnavailable).toBe(1);
    const others = [
      workerPod.metadata.labels,
      cronJobOf(one(s.workload, 'CronJob')).jobTemplate.spec.template.metadata.labels,
    ];
    for (const selector of [service.selector, pdb.selector.matchLabels, d.selector.matchLabels]) {
      expect(matches(selector, pod.metadata.labels)).toBe(true);
      // Not the worker's pods, nor the schedules'.
      for (const labels of others) expect(matches(selector, labels)).toBe(false);
    }
  });

  it('labels API and schedule pods for the Fargate profile', () => {
    const cron = cronJobOf(one(s.workload, 'CronJob'));
    for (const labels of [pod.metadata.labels, cron.jobTemplate.spec.template.metadata.labels])
      expect(labels).toMatchObject({ 'keda-transcoder/compute': 'fargate' });
  });

  it('turns a schedule in Git into a CronJob that enqueues once per scheduled time', () => {
    const cronJob = one(s.workload, 'CronJob', 'keda-transcoder-schedule-weekly-promo');
    const cron = cronJobOf(cronJob);
    expect(cron).toMatchObject({
      schedule: '0 7 * * 1',
      timeZone: 'Europe/Paris',
      suspend: false,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 600,
    });
    const podSpec = cron.jobTemplate.spec.template.spec;
    expect(podSpec.restartPolicy).toBe('Never');
    expect(podSpec.serviceAccountName).toBe('keda-transcoder-control');
    expect(podSpec.securityContext).toEqual(worker.securityContext);
    const c = podSpec.containers[0]!;
    expect(c.command).toEqual(['node', '/app/cli.mjs']);
    expect(c.args).toEqual(enqueueArgs(control.schedules![0]!.job));
    expect(c.args).toContain('$(KT_SCHEDULE_RUN)');
    expect(c.env.find((e) => e.name === 'KT_SCHEDULE_RUN')?.valueFrom).toEqual({
      fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" },
    });
    for (const e of c.env)
      expect([...CONTROL_ENV_NAMES, 'TMPDIR', 'KT_SCHEDULE_RUN'], e.name).toContain(e.name);
    expect(loadControlConfig(envOf(c)).queueUrl).toBe(s.config.queueUrl);
  });

  it('writes a control policy with only what the API and the schedules call', () => {
    const policy = s.built.iam['control-policy.json'] as PolicyDocument;
    const bySid = Object.fromEntries(policy.Statement.map((st) => [st.Sid, st]));
    expect(Object.keys(bySid)).toEqual([
      'Enqueue',
      'Ledger',
      'ListJobs',
      'DeadLetters',
      'PreviewOutputs',
      'Uploads',
      'Schedules',
      'ScheduleGroup',
      'ListSchedules',
      'PassSchedulerRole',
    ]);
    expect(bySid.Enqueue?.Resource).toBe('arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs');
    expect(bySid.DeadLetters?.Resource).toBe(
      'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs-dlq',
    );
    expect(bySid.ListJobs?.Resource).toBe(
      'arn:aws:dynamodb:eu-west-1:123456789012:table/keda-transcoder-jobs/index/*',
    );
    expect(bySid.Uploads?.Resource).toBe('arn:aws:s3:::example-keda-transcoder-media/uploads/*');
    expect(bySid.Schedules?.Resource).toBe(
      'arn:aws:scheduler:eu-west-1:123456789012:schedule/keda-transcoder/*',
    );
    expect(bySid.PassSchedulerRole).toEqual({
      Sid: 'PassSchedulerRole',
      Effect: 'Allow',
      Action: ['iam:PassRole'],
      Resource: 'arn:aws:iam::123456789012:role/keda-transcoder-scheduler',
      Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    // "*" only where IAM allows nothing narrower.
    for (const st of policy.Statement)
      if (st.Resource === '*') expect(st.Action).toEqual(['scheduler:ListSchedules']);
    expect(bySid.PreviewOutputs?.Resource).toBe(
      'arn:aws:s3:::example-keda-transcoder-media/renditions/*',
    );
    expect(JSON.stringify(policy)).not.toMatch(/sqs:\*|dynamodb:\*|s3:\*|Scan/);
  });

  it('writes the scheduler role: it may send to the queue and the DLQ, assumed only by our schedules', () => {
    expect(s.built.iam['scheduler-policy.json']).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'SendJobsAndDeadLetters',
          Effect: 'Allow',
          Action: ['sqs:SendMessage'],
          Resource: [
            'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs',
            'arn:aws:sqs:eu-west-1:123456789012:keda-transcoder-jobs-dlq',
          ],
        },
      ],
    });
    expect(s.built.iam['scheduler-trust-policy.json']).toMatchObject({
      Statement: [
        {
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnLike: {
              'aws:SourceArn':
                'arn:aws:scheduler:eu-west-1:123456789012:schedule-group/keda-transcoder',
            },
          },
        },
      ],
    });
  });
});

describe('the control plane, switched', () => {
  it('deploys nothing of it without a control block', () => {
    const s = synth({ ...exampleInput(), control: undefined });
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'CronJob'])
      expect(byKind(s.all, kind), kind).toEqual([]);
    expect(byKind(s.workload, 'ServiceAccount')).toHaveLength(1);
    expect(Object.keys(s.built.iam)).toEqual(['worker-policy.json', 'keda-scaler-policy.json']);
  });

  it('keeps schedules without the API, and their identity gets no API permissions', () => {
    const s = synth(withControl({ api: { enabled: false } }));
    expect(byKind(s.all, 'Deployment')).toEqual([]);
    expect(byKind(s.all, 'CronJob')).toHaveLength(1);
    const sids = (s.built.iam['control-policy.json'] as PolicyDocument).Statement.map((x) => x.Sid);
    expect(sids).toEqual(['Enqueue', 'Ledger', 'ListJobs']);
    expect(s.built.iam['scheduler-policy.json']).toBeUndefined();
  });

  it('leaves the API off the tainted worker pool on Karpenter', () => {
    const s = synth({ ...karpenterInput(), control });
    const pod = deploymentOf(one(s.workload, 'Deployment')).template;
    expect(pod.spec.tolerations).toBeUndefined();
    expect(pod.metadata.labels['keda-transcoder/compute']).toBeUndefined();
    expect(s.all.flatMap(validateManifest)).toEqual([]);
  });

  it('creates the control and scheduler roles through ACK, each trusting only its principal', () => {
    const s = synth({ ...exampleInput(), ack: { ...exampleInput().ack!, enabled: true } });
    const trustOf = (name: string) =>
      JSON.parse(
        (one(s.aws, 'Role', name).spec as { assumeRolePolicyDocument: string })
          .assumeRolePolicyDocument,
      ) as { Statement: { Condition: Record<string, Record<string, string>> }[] };
    const controlTrust = trustOf('keda-transcoder-control');
    expect(Object.values(controlTrust.Statement[0]!.Condition.StringEquals!)).toContain(
      'system:serviceaccount:keda-transcoder:keda-transcoder-control',
    );
    expect(s.built.iam['control-trust-policy.json']).toEqual(controlTrust);
    expect(one(s.aws, 'Role', 'keda-transcoder-control').spec).toMatchObject({
      name: 'keda-transcoder-control',
      policyRefs: [{ from: { name: 'keda-transcoder-control' } }],
    });
    expect(trustOf('keda-transcoder-scheduler')).toEqual(
      s.built.iam['scheduler-trust-policy.json'],
    );
    expect(
      JSON.parse(
        (one(s.aws, 'Policy', 'keda-transcoder-control').spec as { policyDocument: string })
          .policyDocument,
      ),
    ).toEqual(s.built.iam['control-policy.json']);
    expect(s.aws.flatMap(validateManifest)).toEqual([]);
  });
});

describe('control plane settings that fail synth, naming the field', () => {
  const job = { version: 1, input: 's3://example-keda-transcoder-media/uploads/a.mp4' };
  const schedule = { name: 'nightly', cron: '0 2 * * *', job };
  it.each<[string, Partial<NonNullable<DeploymentInput['control']>>, RegExp]>([
    [
      'an EventBridge-only cron',
      { schedules: [{ ...schedule, cron: '0 7 ? * MON#1' }] },
      /control\.schedules\.0\.cron: .*Kubernetes CronJobs do not read/,
    ],
    [
      'a cron with both day fields',
      { schedules: [{ ...schedule, cron: '0 7 1 * MON' }] },
      /control\.schedules\.0\.cron: both day-of-month and day-of-week/,
    ],
    [
      'a wrong time zone',
      { schedules: [{ ...schedule, timezone: 'Paris' }] },
      /control\.schedules\.0\.timezone: "Paris" is not an IANA time zone/,
    ],
    [
      'a fixed jobId',
      { schedules: [{ ...schedule, job: { ...job, jobId: 'same-every-time' } }] },
      /control\.schedules\.0\.job\.jobId: must not be set/,
    ],
    [
      'a job that breaks the message contract',
      { schedules: [{ ...schedule, job: { version: 1, input: 'http://x/a.mp4' } }] },
      /control\.schedules\.0\.job\.input: /,
    ],
    [
      'two schedules with one name',
      { schedules: [schedule, { ...schedule, cron: '0 3 * * *' }] },
      /control\.schedules\.1\.name: "nightly" is used by another schedule/,
    ],
    [
      'an upload prefix the worker cannot read',
      { api: { ...control.api, uploadUri: 's3://elsewhere/incoming/' } },
      /control\.api\.uploadUri: must be under one of inputUris/,
    ],
    [
      'an API size Fargate does not have',
      { api: { ...control.api, cpu: 0.3 } },
      /control\.api\.cpu 0\.3 is not a Fargate vCPU size/,
    ],
    [
      'a role that is not a role ARN',
      { roleArn: 'keda-transcoder-control' },
      /control\.roleArn: must be an ARN/,
    ],
  ])('%s', (_name, overrides, message) => {
    expect(() => synth(withControl(overrides))).toThrow(message);
  });

  it('reports config errors as DeploymentConfigError', () => {
    expect(() => synth(withControl({ schedules: [{ ...schedule, timezone: 'Nowhere' }] }))).toThrow(
      DeploymentConfigError,
    );
  });
});

describe('cron for Kubernetes CronJobs', () => {
  it.each([
    ['0 7 * * MON', '0 7 * * 1'],
    ['0 7 * * 7', '0 7 * * 0'],
    ['0 7 * * SUN,SAT', '0 7 * * 0,6'],
    ['*/15 9-17 * * 1-5', '*/15 9-17 * * 1-5'],
    ['0 0 1 */3 *', '0 0 1 */3 *'],
    ['30 6 * JAN-MAR *', '30 6 * 1-3 *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
  ])('%s runs as %s', (cron, schedule) => {
    expect(cronJobSchedule(cron)).toEqual({ ok: true, schedule });
  });

  it.each([
    ['0 0 L * *', /Kubernetes CronJobs do not read/],
    ['0 0 15W * *', /Kubernetes CronJobs do not read/],
    ['0 0 * * MON#2', /Kubernetes CronJobs do not read/],
    ['0 0 1 * MON', /both day-of-month and day-of-week/],
    ['61 * * * *', /minute: 61 is not between 0 and 59/],
    ['@reboot', /start-up/],
  ])('%s is refused', (cron, reason) => {
    const result = cronJobSchedule(cron);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(reason);
  });
});
