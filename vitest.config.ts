import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// One `npm test`, three kinds of test (DESIGN.md "Tests and measurements"):
// unit (plain node), runtime (inside workerd), e2e (the real local mesh over loopback HTTP).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node' } },
      {
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: { bindings: { MESHGATE_ADMIN_TOKEN: 'test-admin-token' } },
          }),
        ],
        test: { name: 'runtime', include: ['test/runtime/**/*.test.ts'], testTimeout: 30_000 },
      },
      // e2e files each run a whole local mesh (workerd): one file at a time keeps a 2-core CI machine
      // from starving them.
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], environment: 'node', testTimeout: 60_000, hookTimeout: 120_000, fileParallelism: false } },
    ],
  },
});
