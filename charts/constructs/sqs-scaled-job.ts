import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  ScaledJob,
  toJson_ScaledJobSpec,
  ScaledJobSpecRolloutStrategy,
  ScaledJobSpecTriggersAuthenticationRefKind,
} from '../../imports/kedascaledjob-keda.sh.ts';
import {
  TriggerAuthentication,
  TriggerAuthenticationSpecPodIdentityIdentityOwner,
  TriggerAuthenticationSpecPodIdentityProvider,
} from '../../imports/kedatriggerauth-keda.sh.ts';

/**
 * The metadata keys KEDA 2.20's aws-sqs-queue scaler reads (pkg/scalers/aws_sqs_queue_scaler.go,
 * its `keda:"name=..."` tags). The CRD leaves `metadata` a free-form map, so a typo such as
 * `queueUrl` would pass any schema and silently fall back to a default; tests check against this.
 */
export const SQS_SCALER_METADATA_KEYS = [
  'queueURL',
  'queueURLFromEnv',
  'queueLength',
  'activationQueueLength',
  'awsRegion',
  'awsEndpoint',
  'scaleOnInFlight',
  'scaleOnDelayed',
] as const;

export type SqsScalerMetadata = Partial<Record<(typeof SQS_SCALER_METADATA_KEYS)[number], string>>;

export type ScalerIdentity = { readonly owner: 'keda' | 'workload' } | { readonly roleArn: string };

export interface SqsScaledJobProps {
  /** The ScaledJob's name (its Jobs are named after it); the TriggerAuthentication adds `-sqs`. */
  readonly name: string;
  readonly queueUrl: string;
  readonly region: string;
  /** The Job spec to start per message (see renderWorkerJobSpec). */
  readonly jobSpec: Record<string, unknown>;
  /** @default 15 seconds */
  readonly pollingInterval?: Duration;
  readonly maxReplicaCount: number;
  /** @default 5 */
  readonly successfulJobsHistoryLimit?: number;
  /** @default 10 */
  readonly failedJobsHistoryLimit?: number;
  /** @default { owner: 'keda' } */
  readonly identity?: ScalerIdentity;
}

/**
 * A KEDA ScaledJob on an SQS queue, and the TriggerAuthentication that lets KEDA read the queue
 * depth with an IAM role (pod identity), never with keys.
 *
 * Scaling: one Job per message (queueLength 1), counting in-flight messages, with KEDA's
 * `default` strategy (left unset), which subtracts every unfinished Job (pending ones included) from the
 * queue depth. A worker holds its message in flight for the whole transcode, so in-flight
 * messages and running Jobs cancel out, and a Job still waiting for a node (Fargate, a new
 * Karpenter node) is never doubled. The README explains why not `accurate` (kedacore/keda
 * #1323, #6157, #7330). `rollout.strategy: gradual` keeps running Jobs when the ScaledJob
 * changes; the default would delete them mid-transcode.
 */
export class SqsScaledJob extends Construct {
  readonly scaledJob: ApiObject;
  readonly triggerAuthentication: TriggerAuthentication;
  readonly triggerMetadata: SqsScalerMetadata;

  constructor(scope: Construct, id: string, props: SqsScaledJobProps) {
    super(scope, id);
    const identity = props.identity ?? { owner: 'keda' };
    this.triggerAuthentication = new TriggerAuthentication(this, 'auth', {
      metadata: { name: `${props.name}-sqs` },
      spec: {
        podIdentity: {
          provider: TriggerAuthenticationSpecPodIdentityProvider.AWS,
          ...('roleArn' in identity
            ? { roleArn: identity.roleArn }
            : {
                identityOwner:
                  identity.owner === 'workload'
                    ? TriggerAuthenticationSpecPodIdentityIdentityOwner.WORKLOAD
                    : TriggerAuthenticationSpecPodIdentityIdentityOwner.KEDA,
              }),
        },
      },
    });

    this.triggerMetadata = {
      queueURL: props.queueUrl,
      awsRegion: props.region,
      queueLength: '1',
      activationQueueLength: '0',
      scaleOnInFlight: 'true',
      scaleOnDelayed: 'false',
    };
    // The spec is typed against the KEDA 2.20 CRD (imports/), then the rendered Job spec goes in
    // as JSON: the imported class would re-map it through its own types and drop quantities.
    const spec = toJson_ScaledJobSpec({
      jobTargetRef: { template: {} },
      pollingInterval: (props.pollingInterval ?? Duration.seconds(15)).toSeconds(),
      minReplicaCount: 0,
      maxReplicaCount: props.maxReplicaCount,
      successfulJobsHistoryLimit: props.successfulJobsHistoryLimit ?? 5,
      failedJobsHistoryLimit: props.failedJobsHistoryLimit ?? 10,
      // No scalingStrategy: absent means `default` on every KEDA 2.20 patch, while the value
      // `default` is only in the CRD's enum from 2.20.2 (kedacore/keda#7855): 2.20.0 and 2.20.1
      // would refuse the ScaledJob.
      rollout: { strategy: ScaledJobSpecRolloutStrategy.GRADUAL },
      triggers: [
        {
          type: 'aws-sqs-queue',
          name: 'sqs',
          authenticationRef: {
            name: this.triggerAuthentication.name,
            kind: ScaledJobSpecTriggersAuthenticationRefKind.TRIGGER_AUTHENTICATION,
          },
          metadata: { ...this.triggerMetadata },
        },
      ],
    });
    this.scaledJob = new ApiObject(this, 'scaledjob', {
      ...ScaledJob.GVK,
      metadata: { name: props.name },
      spec: { ...spec, jobTargetRef: props.jobSpec },
    });
  }
}
