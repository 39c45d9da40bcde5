import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects: `unit` (pure code, no servers), `integration` (the worker against DynamoDB
 * Local and fauxqs on 127.0.0.1, real ffmpeg on clips generated in the run) and `image` (the
 * container image against the same stack; run by `npm run test:image`, not by `npm test`). The local stack
 * starts once per run in test/global-setup.ts and is stopped by PID in its teardown.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['worker/src/**/*.test.ts', 'scripts/**/*.test.ts', 'charts/**/*.test.ts'],
          // The chart tests compile three Kubernetes versions' schemas on first use (~3 s).
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/image/**'],
          globalSetup: ['test/global-setup.ts'],
          // In-process workers use the SDK's default credential chain, as in a pod.
          env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // ffmpeg already uses both cores; two files at a time keeps runs steady.
          maxWorkers: 2,
        },
      },
      {
        // The built image under podman (scripts/image/ci.sh builds it and sets KT_IMAGE); not
        // part of `npm test`, which needs no container tooling.
        test: {
          name: 'image',
          include: ['test/image/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          maxWorkers: 1,
        },
      },
    ],
  },
});
