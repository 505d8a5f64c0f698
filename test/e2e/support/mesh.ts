import { startMesh, type ApplyResult, type RunningMesh, type StartMeshOptions } from '../../../src/cli/dev/mesh.ts';
import { send } from './upstreams.ts';

// One local mesh per test file (real control plane and gateways in workerd, on free ports), and
// config applied the way a user does it, waiting until both gateways run it.
// MESHGATE_E2E_LOGS=1 prints the workers' console output; otherwise it is kept (mesh.logs()).

export async function testMesh(opts: StartMeshOptions = {}): Promise<RunningMesh> {
  return startMesh({ adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: process.env.MESHGATE_E2E_LOGS ? 'inherit' : 'silent', refreshMs: 100, ...opts });
}

export interface SyncRow { proxy: string; status: string; latest?: string; version?: string }

export async function syncz(mesh: Pick<RunningMesh, 'admin'>): Promise<SyncRow[]> {
  const res = await mesh.admin('/debug/syncz');
  if (!res.ok) throw new Error(`/debug/syncz answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as SyncRow[];
}

/**
 * Applies YAML, then pokes both gateways (meshgate.status: never routed, makes an idle gateway
 * poll) until syncz shows them SYNCED on the newest snapshot. Throws with the last rows on timeout.
 */
export async function applyAndSync(mesh: RunningMesh, yaml: string): Promise<ApplyResult> {
  const result = await mesh.apply(yaml);
  const until = Date.now() + 10_000;
  for (;;) {
    await Promise.all([mesh.ingressUrl, mesh.egressUrl].map((u) => send(u, '/healthz/ready', { host: 'meshgate.status', timeoutMs: 5_000 }).catch(() => undefined)));
    const rows = await syncz(mesh);
    if (rows.length >= 2 && rows.every((r) => r.status === 'SYNCED')) return result;
    if (Date.now() > until) throw new Error(`gateways did not sync: ${JSON.stringify(rows)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
