/**
 * The cdk8s app (`npx cdk8s synth`): reads the deployment config for DEPLOY_ENV (default
 * `example`) from charts/environments/<env>.yaml, or the file DEPLOY_CONFIG names, validates it, builds the charts and
 * synthesizes them into the output directory (dist/, or what cdk8s passes), with the worker's
 * IAM policies as plain JSON under iam/. The only reader of configuration in charts/.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { App } from 'cdk8s';
import { parse, stringify } from 'yaml';
import { buildCharts, describe } from './app/app.ts';
import { parseDeploymentConfig } from './config/config.ts';

const env = process.env.DEPLOY_ENV ?? 'example';
if (!/^[a-z0-9-]+$/.test(env)) throw new Error(`DEPLOY_ENV "${env}" is not an environment name`);
const file = process.env.DEPLOY_CONFIG ?? join(import.meta.dirname, 'environments', `${env}.yaml`);
let config;
try {
  config = parseDeploymentConfig(parse(readFileSync(file, 'utf8')), file);
} catch (err) {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exit(1);
}

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const app = new App({ outdir });
let built;
try {
  // The config's path in the repository, as Argo CD's plugin will find it in a checkout.
  const inRepo = relative(join(import.meta.dirname, '..'), resolve(file));
  const configFile =
    inRepo.startsWith('..') || isAbsolute(inRepo) ? undefined : inRepo.split(sep).join('/');
  built = buildCharts(app, config, configFile ? { configFile } : {});
} catch (err) {
  process.stderr.write(`cannot synthesize ${file}: ${(err as Error).message}\n`);
  process.exit(1);
}
app.synth();

// Helm output keeps templates/ for manifests only.
if (!process.env.CDK8S_OUTDIR?.endsWith('templates')) {
  mkdirSync(join(outdir, 'iam'), { recursive: true });
  for (const [name, document] of Object.entries(built.iam)) {
    writeFileSync(join(outdir, 'iam', name), `${JSON.stringify(document, null, 2)}\n`);
  }
  if (built.argocdFiles) {
    mkdirSync(join(outdir, 'argocd'), { recursive: true });
    for (const [name, document] of Object.entries(built.argocdFiles))
      writeFileSync(join(outdir, 'argocd', name), stringify(document));
  }
}
process.stderr.write(`${describe(config, built)}\n`);
