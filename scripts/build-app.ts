/**
 * `npm run build`: the image's application, bundled. esbuild turns each entry point (worker,
 * API, CLI) and everything it imports into plain JavaScript under build/app/, with the code the
 * three share in common chunks, so the image carries no node_modules: no cdk8s, no dev tools,
 * nothing unused — a few MB instead of 126, and one file to read at start instead of
 * thousands. The API page's files (and hls.js's browser build) are copied beside them.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { IMAGE_ENTRY_POINTS } from '../worker/src/contract/image.ts';
import { NODE_BUNDLE_OPTIONS } from './build/bundle-options.ts';

const ROOT = join(import.meta.dirname, '..');
const { values } = parseArgs({
  options: { outdir: { type: 'string', default: join(ROOT, 'build', 'app') } },
});
const out = resolve(values.outdir);
rmSync(out, { recursive: true, force: true });

const result = await build({
  absWorkingDir: ROOT,
  entryPoints: Object.fromEntries(
    Object.values(IMAGE_ENTRY_POINTS).map((e) => [e.bundle.replace(/\.mjs$/, ''), e.source]),
  ),
  outdir: out,
  outExtension: { '.js': '.mjs' },
  ...NODE_BUNDLE_OPTIONS,
  splitting: true,
  legalComments: 'linked',
  metafile: true,
});
writeFileSync(join(out, '..', `${basename(out)}-meta.json`), JSON.stringify(result.metafile));

const ui = join(out, 'ui');
mkdirSync(ui, { recursive: true });
for (const file of readdirSync(join(ROOT, 'worker', 'src', 'api', 'ui')))
  copyFileSync(join(ROOT, 'worker', 'src', 'api', 'ui', file), join(ui, file));
copyFileSync(
  createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'),
  join(ui, 'hls.min.js'),
);

const bytes = readdirSync(out, { recursive: true })
  .map((f) => join(out, String(f)))
  .filter((f) => statSync(f).isFile())
  .reduce((sum, f) => sum + statSync(f).size, 0);
process.stdout.write(`${out}: ${(bytes / 2 ** 20).toFixed(1)} MiB\n`);
