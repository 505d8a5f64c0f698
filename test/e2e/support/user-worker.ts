import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import type { WorkerOptions } from '../../../src/cli/dev/mesh.ts';

/**
 * A user's Worker for the local mesh: the fixture bundled to a temp dir, exposed on its own
 * loopback port, with the given service bindings (e.g. MESH_EGRESS → egress-gateway).
 */
export async function userWorker(name: string, fixture: string, serviceBindings: WorkerOptions['serviceBindings']): Promise<WorkerOptions> {
  const dir = mkdtempSync(join(tmpdir(), 'meshgate-e2e-'));
  const outfile = join(dir, `${basename(fixture, '.ts')}.mjs`);
  await build({ entryPoints: [fixture], bundle: true, format: 'esm', platform: 'neutral', mainFields: ['module', 'main'], outfile, logLevel: 'error' });
  return { name, modules: true, modulesRoot: dir, scriptPath: outfile, compatibilityDate: '2026-04-20', serviceBindings, unsafeDirectSockets: [{ host: '127.0.0.1', port: 0 }] };
}
