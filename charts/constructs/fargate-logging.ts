import type { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { KubeConfigMap, KubeNamespace } from '../../imports/k8s.ts';

export interface FargateLoggingProps {
  readonly region: string;
  readonly logGroup: string;
  readonly retentionDays: number;
}

/**
 * Fargate's built-in log router (Fluent Bit run by Fargate, no sidecar): the
 * `aws-observability` namespace labelled `aws-observability: enabled` and the `aws-logging`
 * ConfigMap, here sending every container's stdout (the worker's JSON lines) to CloudWatch.
 * The Fargate pod execution role needs logs:CreateLogStream / PutLogEvents (README).
 */
export class FargateLogging extends Construct {
  readonly namespace: ApiObject;
  readonly configMap: ApiObject;

  constructor(scope: Construct, id: string, props: FargateLoggingProps) {
    super(scope, id);
    this.namespace = new KubeNamespace(this, 'namespace', {
      metadata: { name: 'aws-observability', labels: { 'aws-observability': 'enabled' } },
    });
    this.configMap = new KubeConfigMap(this, 'config', {
      metadata: { name: 'aws-logging', namespace: 'aws-observability' },
      data: {
        flb_log_cw: 'false',
        'output.conf': [
          '[OUTPUT]',
          '    Name cloudwatch_logs',
          '    Match kube.*',
          `    region ${props.region}`,
          `    log_group_name ${props.logGroup}`,
          '    log_stream_prefix fargate-',
          `    log_retention_days ${props.retentionDays}`,
          '    auto_create_group true',
          '',
        ].join('\n'),
      },
    });
  }
}
