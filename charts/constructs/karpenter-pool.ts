import type { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Ec2NodeClass,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType,
  Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/karpenternodeclass-karpenter.k8s.aws.ts';
import {
  NodePool,
  NodePoolSpecDisruptionBudgetsReasons,
  NodePoolSpecDisruptionConsolidationPolicy,
  NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator,
  NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenternodepool-karpenter.sh.ts';

export interface KarpenterPoolProps {
  /** Names the NodePool and the EC2NodeClass; nodes carry `karpenter.sh/nodepool: <name>`. */
  readonly name: string;
  readonly clusterName: string;
  readonly nodeRoleName: string;
  /** @default 'al2023@latest' */
  readonly amiAlias?: string;
  /** Spot first: Karpenter picks spot when allowed and falls back to on-demand. */
  readonly capacityTypes: readonly ('spot' | 'on-demand')[];
  readonly instanceCategories: readonly string[];
  readonly minInstanceGeneration: number;
  readonly architectures: readonly string[];
  readonly limits: { readonly cpu: number; readonly memoryGiB: number };
  readonly consolidateAfter: Duration;
  /** Most nodes disrupted at once, e.g. '20%'. */
  readonly disruptionBudget: string;
  readonly rootVolumeGiB: number;
  /** The taint that keeps other pods off these nodes; the worker tolerates it. */
  readonly taint: { readonly key: string; readonly value: string };
}

/**
 * Karpenter capacity for the workers: an EC2NodeClass (AMI alias, subnets and security groups
 * found by the cluster's discovery tag, IMDSv2 with hop limit 1 so pods cannot reach instance
 * credentials) and a NodePool (spot first, on-demand fallback, tainted for the workers,
 * consolidated only when empty so a transcode is never moved). Both are cluster-scoped.
 */
export class KarpenterPool extends Construct {
  readonly nodePool: NodePool;
  readonly nodeClass: Ec2NodeClass;

  constructor(scope: Construct, id: string, props: KarpenterPoolProps) {
    super(scope, id);
    const discovery = { 'karpenter.sh/discovery': props.clusterName };
    this.nodeClass = new Ec2NodeClass(this, 'nodeclass', {
      metadata: { name: props.name },
      spec: {
        amiSelectorTerms: [{ alias: props.amiAlias ?? 'al2023@latest' }],
        role: props.nodeRoleName,
        subnetSelectorTerms: [{ tags: discovery }],
        securityGroupSelectorTerms: [{ tags: discovery }],
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
          httpPutResponseHopLimit: 1,
        },
        // Sources and renditions live in the pod's emptyDir, on the root volume.
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            rootVolume: true,
            ebs: {
              volumeSize: `${props.rootVolumeGiB}Gi`,
              volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
              encrypted: true,
              deleteOnTermination: true,
            },
          },
        ],
        tags: { 'app.kubernetes.io/part-of': 'keda-transcoder' },
      },
    });

    const requirement = (key: string, values: readonly string[]) => ({
      key,
      operator: NodePoolSpecTemplateSpecRequirementsOperator.IN,
      values: [...values],
    });
    this.nodePool = new NodePool(this, 'nodepool', {
      metadata: { name: props.name },
      spec: {
        template: {
          metadata: { labels: { 'app.kubernetes.io/part-of': 'keda-transcoder' } },
          spec: {
            nodeClassRef: {
              group: 'karpenter.k8s.aws',
              kind: 'EC2NodeClass',
              name: this.nodeClass.name,
            },
            requirements: [
              requirement('karpenter.sh/capacity-type', props.capacityTypes),
              requirement('karpenter.k8s.aws/instance-category', props.instanceCategories),
              {
                key: 'karpenter.k8s.aws/instance-generation',
                operator: NodePoolSpecTemplateSpecRequirementsOperator.GT,
                values: [String(props.minInstanceGeneration - 1)],
              },
              requirement('kubernetes.io/arch', props.architectures),
              requirement('kubernetes.io/os', ['linux']),
            ],
            taints: [
              {
                key: props.taint.key,
                value: props.taint.value,
                effect: NodePoolSpecTemplateSpecTaintsEffect.NO_SCHEDULE,
              },
            ],
            expireAfter: '720h',
          },
        },
        limits: {
          cpu: NodePoolSpecLimits.fromString(String(props.limits.cpu)),
          memory: NodePoolSpecLimits.fromString(`${props.limits.memoryGiB}Gi`),
        },
        disruption: {
          consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
          consolidateAfter: `${props.consolidateAfter.toSeconds()}s`,
          budgets: [
            { nodes: props.disruptionBudget },
            // Drift (a new AMI) waits for nodes to empty rather than moving work off them.
            { nodes: '0', reasons: [NodePoolSpecDisruptionBudgetsReasons.DRIFTED] },
          ],
        },
      },
    });
  }
}
