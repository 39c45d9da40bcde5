/**
 * Writes the OpenAPI schema of each CRD version to imports/schemas/<group>/<version>/<Kind>.json,
 * so the chart tests validate the synthesized objects against the exact CRDs the imports came
 * from without needing ../shared. Run by scripts/import-crds.sh.
 * Usage: node scripts/extract-crd-schemas.ts <out-dir> <crd.yaml>...
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';

interface Crd {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions: { name: string; served?: boolean; schema?: { openAPIV3Schema?: object } }[];
  };
}

const [outDir, ...files] = process.argv.slice(2);
if (!outDir || files.length === 0)
  throw new Error('usage: extract-crd-schemas.ts <out-dir> <crd.yaml>...');
for (const file of files) {
  for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
    const crd = doc.toJS() as Crd | null;
    if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
    for (const version of crd.spec.versions) {
      if (version.served === false || !version.schema?.openAPIV3Schema) continue;
      const dir = join(outDir, crd.spec.group, version.name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, `${crd.spec.names.kind}.json`),
        `${JSON.stringify(version.schema.openAPIV3Schema)}\n`,
      );
    }
  }
}
