import { Testing } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { buildCharts } from '../app/app.ts';
import { parseDeploymentConfig } from './config.ts';
import { exampleInput } from '../testing/fixtures.ts';

describe('the deployment config', () => {
  it('names every bad field', () => {
    const bad = {
      ...exampleInput(),
      image: 'keda-transcoder',
      queueUrl: 'https://example.com/queue',
      placement: 'ec2',
      worker: { cpu: 2, heartbeatSeconds: 90, visibilityTimeoutSeconds: 120, colour: 'blue' },
    };
    expect(() => parseDeploymentConfig(bad, 'prod.yaml')).toThrow(
      [
        'invalid deployment configuration in prod.yaml:',
        '  - image: must be an image reference with a tag or digest',
        '  - queueUrl: must be an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/name',
        '  - placement: Invalid option: expected one of "fargate"|"karpenter"',
        '  - worker: unknown field(s) colour',
      ].join('\n'),
    );
  });

  it('checks rules between fields', () => {
    const input = { ...exampleInput(), placement: 'karpenter', worker: { heartbeatSeconds: 90 } };
    expect(() => parseDeploymentConfig(input)).toThrow(
      /karpenter: is required when placement is karpenter[\s\S]*worker.heartbeatSeconds: must be at most half/,
    );
    const elsewhere = { ...exampleInput(), region: 'us-west-2' };
    expect(() => parseDeploymentConfig(elsewhere)).toThrow(
      /queueUrl: is in eu-west-1, not in region us-west-2/,
    );
  });

  it('fails synth when the pod does not fit Fargate', () => {
    const config = parseDeploymentConfig({
      ...exampleInput(),
      worker: { cpu: 2, memoryMiB: 16_384 },
    });
    expect(() => buildCharts(Testing.app(), config)).toThrow(
      /Fargate would bill a larger vCPU size/,
    );
    const disk = parseDeploymentConfig({ ...exampleInput(), worker: { workVolumeGiB: 175 } });
    expect(() => buildCharts(Testing.app(), disk)).toThrow(
      /more ephemeral storage than a Fargate pod may request \(175 GiB\)/,
    );
  });
});
