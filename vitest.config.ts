import { defineConfig } from 'vitest/config';

/**
 * Two projects: `unit` (pure code, no servers) and `integration` (the worker against DynamoDB
 * Local and fauxqs on 127.0.0.1, real ffmpeg on clips generated in the run). The local stack
 * starts once per run in test/global-setup.ts and is stopped by PID in its teardown.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['worker/src/**/*.test.ts', 'scripts/**/*.test.ts', 'charts/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          // In-process workers use the SDK's default credential chain, as in a pod.
          env: { AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local' },
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // ffmpeg already uses both cores; two files at a time keeps runs steady.
          maxWorkers: 2,
        },
      },
    ],
  },
});
