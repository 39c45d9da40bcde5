import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import type { DeploymentInput } from '../../charts/config/config.ts';
import { ROOT } from './env.ts';

/**
 * The embedded default (charts/environments/local.yaml) with names of its own, so a test can
 * run the whole system on the shared local stack beside other test files; `patch` changes
 * settings the way a user would edit the file.
 */
export function localConfigFile(
  label: string,
  patch: (config: DeploymentInput) => DeploymentInput = (c) => c,
): { file: string; dir: string; prefix: string } {
  const prefix = `${label}-${randomBytes(3).toString('hex')}`.toLowerCase();
  const base = parse(
    readFileSync(join(ROOT, 'charts', 'environments', 'local.yaml'), 'utf8'),
  ) as DeploymentInput;
  const account = '000000000000';
  const named: DeploymentInput = {
    ...base,
    queueUrl: `https://sqs.us-east-1.amazonaws.com/${account}/${prefix}-jobs`,
    deadLetterQueueUrl: `https://sqs.us-east-1.amazonaws.com/${account}/${prefix}-jobs-dlq`,
    outputUri: `s3://${prefix}-media/renditions/`,
    inputUris: [`s3://${prefix}-media/uploads/`],
    tableName: `${prefix}-jobs`,
  };
  const dir = join(ROOT, '.local', 'test-systems', prefix);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(patch(named)));
  return { file, dir, prefix };
}
