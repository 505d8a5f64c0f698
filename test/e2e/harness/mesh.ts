import { GATEWAY_STATUS, NODE_IDS, startMesh, type ApplyResult, type RunningMesh, type StartMeshOptions } from '../../../src/cli/dev/mesh.ts';
import { send, type SendOptions, type SendResult } from './http.ts';

// The real local mesh for end-to-end tests: startMesh on free ports with a temp state dir. One
// mesh per test file (start it in beforeAll, stop it in afterAll); files run in parallel, each
// with its own workerd. Bundles are shared by every run (startMesh's default build dir,
// node_modules/.cache/meshgate/dev, reused while the sources are unchanged).
//
//   let mesh: TestMesh;
//   beforeAll(async () => { mesh = await startTestMesh(); });
//   afterAll(() => mesh?.stop());
//   test('…', async () => { await applyAndSync(mesh, yaml); expect((await mesh.ingress('/x', { host: 'a.example' })).status).toBe(200); });
//
// MESHGATE_E2E_LOGS=1 prints the workers' console output; otherwise it is kept (mesh.logs()).

export interface TestMesh extends RunningMesh {
  /** A request to the ingress gateway (Host set as given). */
  ingress(path: string, opts?: SendOptions): Promise<SendResult>;
  /** A request to the egress gateway (Host is the destination). */
  egress(path: string, opts?: SendOptions): Promise<SendResult>;
}

export async function startTestMesh(opts: StartMeshOptions = {}): Promise<TestMesh> {
  const mesh = await startMesh({
    adminPort: 0,
    ingressPort: 0,
    egressPort: 0,
    workerLogs: process.env.MESHGATE_E2E_LOGS ? 'inherit' : 'silent',
    ...opts,
  });
  return {
    ...mesh,
    ingress: (p, o) => send(mesh.ingressUrl, p, o),
    egress: (p, o) => send(mesh.egressUrl, p, o),
  };
}

export interface SyncRow {
  proxy: string;
  role: string;
  version?: string;
  latest?: string;
  status: 'SYNCED' | 'STALE' | 'NOT SENT';
  lastNack?: { version: string; error: string };
}

export async function syncz(mesh: Pick<RunningMesh, 'admin'>): Promise<SyncRow[]> {
  const res = await mesh.admin('/debug/syncz');
  if (!res.ok) throw new Error(`/debug/syncz answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as SyncRow[];
}

export interface SyncOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** Poll interval (default 50 ms). */
  intervalMs?: number;
  /** Which proxies must be SYNCED (default both gateways). */
  proxies?: readonly string[];
  /**
   * Workers only run on requests, so an idle gateway looks for a new snapshot when one arrives.
   * While not synced, ask each gateway's status endpoint (`meshgate.status/healthz/ready`: never
   * routed, polls the control plane) at most every `pokeEveryMs` (default 100). false: never poke.
   */
  poke?: boolean;
  pokeEveryMs?: number;
}

/**
 * Applies `yaml` through the admin API, then waits until /debug/syncz shows every gateway SYNCED
 * on the snapshot of the current config (its `latest`, computed from a config version that
 * includes this apply). Throws with the last syncz rows on timeout.
 */
export async function applyAndSync(mesh: TestMesh, yaml: string, opts: SyncOptions = {}): Promise<ApplyResult> {
  const result = await mesh.apply(yaml);
  await waitSynced(mesh, opts);
  return result;
}

/** Waits until every gateway in `opts.proxies` is SYNCED on the newest snapshot. */
export async function waitSynced(mesh: TestMesh, opts: SyncOptions = {}): Promise<SyncRow[]> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const interval = opts.intervalMs ?? 50;
  const pokeEvery = opts.pokeEveryMs ?? 100;
  const want = opts.proxies ?? [NODE_IDS.ingress, NODE_IDS.egress];
  const deadline = Date.now() + timeoutMs;
  let lastPoke = 0;
  let rows: SyncRow[] = [];
  for (;;) {
    rows = await syncz(mesh);
    const pending = want.filter((id) => {
      const r = rows.find((x) => x.proxy === id);
      return !r || r.status !== 'SYNCED' || (r.latest !== undefined && r.version !== r.latest);
    });
    if (pending.length === 0) return rows;
    if (Date.now() > deadline) throw new Error(`gateways not SYNCED within ${timeoutMs} ms: ${pending.join(', ')}; /debug/syncz: ${JSON.stringify(rows.map(({ proxy, status, version, latest, lastNack }) => ({ proxy, status, version, latest, lastNack })))}`);
    if (opts.poke !== false && Date.now() - lastPoke >= pokeEvery) {
      lastPoke = Date.now();
      await Promise.all([poke(mesh.ingressUrl), poke(mesh.egressUrl)]);
    }
    await new Promise((r) => setTimeout(r, interval));
  }
}

const poke = (base: string) => send(base, GATEWAY_STATUS.path, { host: GATEWAY_STATUS.host, headers: { 'user-agent': 'meshgate-e2e-sync' }, timeoutMs: 5_000 }).catch(() => undefined);
