import type { BuildOptions } from 'esbuild';

/**
 * How keda-transcoder bundles code for Node: one ES module per entry point for Node 24,
 * minified, with `require`, `__filename` and `__dirname` provided for the CommonJS
 * dependencies that use them (fluent-ffmpeg does). The image's build uses it, and so does the
 * benchmark's SDK floor, so the two are bundled alike.
 */
export const NODE_BUNDLE_OPTIONS = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node24',
  minifyWhitespace: true,
  minifySyntax: true,
  keepNames: true,
  banner: {
    js: [
      "import { createRequire as __ktRequire } from 'node:module';",
      "import { fileURLToPath as __ktPath } from 'node:url';",
      "import { dirname as __ktDirname } from 'node:path';",
      'const require = __ktRequire(import.meta.url);',
      'const __filename = __ktPath(import.meta.url);',
      'const __dirname = __ktDirname(__filename);',
    ].join(' '),
  },
  logLevel: 'warning',
} as const satisfies BuildOptions;
