import type { App, Chart } from 'cdk8s';
import type * as kplus from 'cdk8s-plus-34';
import { accountOf, queueArn, queueName, type DeploymentConfig } from '../config/config.ts';
import { AwsResources } from '../constructs/aws-resources.ts';
import {
  associationInput,
  PodIdentityAssociations,
  type PodIdentityBinding,
} from '../constructs/pod-identity.ts';
import {
  controlPolicy,
  inputPrefixes,
  irsaTrustPolicy,
  podIdentityTrustPolicy,
  schedulerPolicy,
  schedulerTrustPolicy,
  uploadPrefix,
  workerPolicy,
} from '../plan/iam.ts';
import { newChart, type IamFiles } from './common.ts';

export interface Identities {
  readonly worker: kplus.ServiceAccount;
  readonly control?: kplus.ServiceAccount;
}

/**
 * Pod Identity: who gets which role (an association per service account), and the trust every
 * such role needs, also as the AWS CLI's input for users without ACK.
 */
export function podIdentityBindings(
  config: DeploymentConfig,
  accounts: Identities,
  iam: IamFiles,
): PodIdentityBinding[] {
  if (config.identity !== 'pod-identity') return [];
  const clusterName = config.karpenter!.clusterName;
  const bindings: PodIdentityBinding[] = [
    {
      id: 'worker',
      serviceAccount: accounts.worker.name,
      roleArn: config.workerRoleArn,
      ...(config.ack?.enabled ? { ackRole: `${config.name}-worker` } : {}),
    },
  ];
  if (config.control && accounts.control)
    bindings.push({
      id: 'control',
      serviceAccount: accounts.control.name,
      roleArn: config.control.roleArn,
      ...(config.ack?.enabled ? { ackRole: `${config.name}-control` } : {}),
    });
  for (const b of bindings) {
    iam[`pod-identity-${b.id}.json`] = associationInput(clusterName, config.namespace, b);
    iam[`${b.id}-trust-policy.json`] = podIdentityTrustPolicy();
  }
  return bindings;
}

/**
 * The AWS resources through ACK (ack.enabled): queues, bucket, table, roles and policies, and
 * the Pod Identity associations. Undefined without ACK.
 */
export function buildAwsChart(
  app: App,
  config: DeploymentConfig,
  accounts: Identities,
  bindings: readonly PodIdentityBinding[],
  iam: IamFiles,
): Chart | undefined {
  if (!config.ack?.enabled) return undefined;
  const ack = config.ack;
  const control = config.control;
  const accountId = accountOf(config.queueUrl);
  const trustOf = (account: kplus.ServiceAccount) =>
    config.identity === 'irsa'
      ? irsaTrustPolicy(config, accountId, ack.oidcIssuer, account.name)
      : podIdentityTrustPolicy();
  const trust = trustOf(accounts.worker);
  iam['worker-trust-policy.json'] = trust;
  const controlTrust = accounts.control ? trustOf(accounts.control) : undefined;
  if (controlTrust) iam['control-trust-policy.json'] = controlTrust;
  const roleNameOf = (arn: string) => arn.slice(arn.lastIndexOf('/') + 1);
  const schedulerRoleArn = control?.api.enabled ? control.api.schedulerRoleArn : undefined;
  const aws = newChart(app, `${config.name}-aws`, config.namespace);
  new AwsResources(aws, 'aws', {
    name: config.name,
    queueName: queueName(config.queueUrl),
    deadLetterQueueName: queueName(config.deadLetterQueueUrl),
    deadLetterQueueArn: queueArn(config.deadLetterQueueUrl, config.region),
    maxReceiveCount: config.worker.maxReceiveCount,
    visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds,
    bucketName: config.outputUri.bucket,
    sourcePrefix:
      inputPrefixes(config).find((p) => p.bucket === config.outputUri.bucket)?.key ?? 'uploads/',
    sourceExpirationDays: ack.sourceExpirationDays,
    // The page PUTs parts to the upload bucket: CORS where that is the bucket ACK manages.
    ...(control?.api.enabled &&
    control.api.corsOrigins.length > 0 &&
    uploadPrefix(config).bucket === config.outputUri.bucket
      ? { uploadCorsOrigins: control.api.corsOrigins }
      : {}),
    tableName: config.tableName,
    roleName: roleNameOf(config.workerRoleArn),
    trustPolicy: trust,
    workerPolicy: workerPolicy(config),
    ...(control && controlTrust
      ? {
          control: {
            roleName: roleNameOf(control.roleArn),
            trustPolicy: controlTrust,
            policy: controlPolicy(config),
          },
        }
      : {}),
    ...(schedulerRoleArn
      ? {
          scheduler: {
            roleName: roleNameOf(schedulerRoleArn),
            trustPolicy: schedulerTrustPolicy(config, accountId),
            policy: schedulerPolicy(config),
          },
        }
      : {}),
  });
  if (bindings.length > 0)
    new PodIdentityAssociations(aws, 'pod-identity', {
      name: config.name,
      clusterName: config.karpenter!.clusterName,
      namespace: config.namespace,
      bindings,
    });
  return aws;
}
