import { startMesh, type RunningMesh } from '../../../src/cli/dev/mesh.ts';
import { send } from './upstreams.ts';

// One local mesh per test file (real control plane and gateways in workerd), and config applied
// the way a user does it, waiting until both gateways run it.

export async function testMesh(): Promise<RunningMesh> {
  return startMesh({ adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent', refreshMs: 100 });
}

interface SyncRow { proxy: string; status: string; latest?: string; version?: string }

/** Applies YAML, then pokes both gateways (meshgate.status) until syncz shows them SYNCED. */
export async function applyAndSync(mesh: RunningMesh, yaml: string): Promise<void> {
  await mesh.apply(yaml);
  const until = Date.now() + 10_000;
  for (;;) {
    await Promise.all([mesh.ingressUrl, mesh.egressUrl].map((u) => send(u, '/healthz/ready', { host: 'meshgate.status' })));
    const rows = (await (await mesh.admin('/debug/syncz')).json()) as SyncRow[];
    if (rows.length >= 2 && rows.every((r) => r.status === 'SYNCED')) return;
    if (Date.now() > until) throw new Error(`gateways did not sync: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
