import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { ROOT } from './env.ts';

/**
 * The repository's files as Argo CD hands them to a plugin: the working tree's tracked and
 * unignored files, without .git or node_modules, every file mode reset to 0644.
 */
export function cleanCheckout(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kt-checkout-'));
  const files = execFileSync(
    'git',
    ['ls-files', '-z', '--cached', '--others', '--exclude-standard'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
    .split('\0')
    .filter(Boolean);
  for (const f of files) {
    try {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      copyFileSync(join(ROOT, f), join(dir, f));
      chmodSync(join(dir, f), 0o644);
    } catch (err) {
      // A tracked file deleted in the working tree is not part of it.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  return dir;
}

/** The plugin's generate command as `npx cdk8s synth` of the example config ships it. */
export function pluginGenerateCommand(): { command: string[]; args: string[] } {
  const out = mkdtempSync(join(tmpdir(), 'kt-synth-'));
  execFileSync('npx', ['cdk8s', 'synth', '--output', out], { cwd: ROOT, stdio: 'pipe' });
  return readPluginCommand(join(out, 'keda-transcoder-argocd.k8s.yaml'));
}

function readPluginCommand(file: string): { command: string[]; args: string[] } {
  const docs = parseAllDocuments(readFileSync(file, 'utf8')).map(
    (d) => d.toJS() as { kind: string; data?: Record<string, string> },
  );
  const configMap = docs.find((d) => d.kind === 'ConfigMap');
  if (!configMap?.data?.['plugin.yaml']) throw new Error(`${file} holds no plugin.yaml`);
  return (
    parse(configMap.data['plugin.yaml']) as {
      spec: { generate: { command: string[]; args: string[] } };
    }
  ).spec.generate;
}

/** Every document of the *.k8s.yaml a synth wrote, but the Argo CD Application's file. */
export function synthesizedDocuments(distDir: string): object[] {
  return readdirSync(distDir)
    .filter((f) => f.endsWith('.k8s.yaml') && !f.endsWith('-argocd.k8s.yaml'))
    .sort()
    .flatMap((f) => yamlDocuments(readFileSync(join(distDir, f), 'utf8')));
}

export function yamlDocuments(text: string): object[] {
  return parseAllDocuments(text)
    .map((d) => d.toJS() as object | null)
    .filter((d): d is object => d !== null);
}
