/**
 * The container image's layout (the Dockerfile builds it; the manifests and the local runner
 * read it from here). In the image, under WORKDIR /app, each entry point is one bundled ES
 * module that `npm run build` makes from its TypeScript source; the manifests name the bundle,
 * and the local runner, which runs the repository rather than the image, maps it back.
 */
export const IMAGE_ROOT = '/app';

export const IMAGE_ENTRY_POINTS = {
  worker: { bundle: 'worker.mjs', source: 'worker/src/main.ts' },
  api: { bundle: 'api.mjs', source: 'worker/src/api/main.ts' },
  cli: { bundle: 'cli.mjs', source: 'worker/src/cli/main.ts' },
} as const;

/** The container commands; the worker's is also the image's default. */
export const IMAGE_COMMANDS = {
  worker: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.worker.bundle}`],
  api: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.api.bundle}`],
  cli: ['node', `${IMAGE_ROOT}/${IMAGE_ENTRY_POINTS.cli.bundle}`],
} as const;

/** The numeric user the image runs as (the Dockerfile's USER). */
export const IMAGE_USER = 10001;
