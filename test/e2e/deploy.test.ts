import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';

// The wrangler.toml files deploy as they are: `wrangler deploy --dry-run` bundles each one and
// lists its bindings without touching an account (the DO migration, the service bindings).
const run = promisify(execFile);
const repo = join(import.meta.dirname, '../..');

describe('deployment configs', () => {
  test.each([
    ['wrangler.toml', ['MESH', 'MeshControlPlane']],
    ['workers/ingress-gateway/wrangler.toml', ['XDS', 'meshgate-control-plane']],
    ['workers/egress-gateway/wrangler.toml', ['XDS', 'meshgate-control-plane']],
    ['workers/bookinfo/productpage/wrangler.toml', ['MESH_EGRESS', 'meshgate-egress-gateway']],
  ])('%s bundles with wrangler deploy --dry-run', async (config, expected) => {
    const outdir = mkdtempSync(join(tmpdir(), 'meshgate-dry-'));
    const { stdout } = await run(process.execPath, [join(repo, 'node_modules/wrangler/bin/wrangler.js'), 'deploy', '--dry-run', '-c', config, '--outdir', outdir], {
      cwd: repo,
      env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_SEND_METRICS: 'false', CI: 'true' },
      timeout: 120_000,
    });
    expect(stdout).toContain('--dry-run: exiting now.');
    for (const e of expected) expect(stdout).toContain(e);
  }, 150_000);

  test('the egress gateway has no public workers.dev route: it is reached through service bindings only', () => {
    const toml = readFileSync(join(repo, 'workers/egress-gateway/wrangler.toml'), 'utf8');
    expect(toml).toMatch(/^workers_dev = false$/m);
    expect(toml).toMatch(/^preview_urls = false$/m);
  });
});
