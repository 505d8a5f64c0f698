import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { ADMIN_SHIM_SCRIPT, ADMIN_SHIM_WORKER } from './admin-shim.ts';
import { bundleWorkers, MESH_ENTRIES, REPO_ROOT, type MeshWorkerName } from './bundle.ts';
import { checkPortFree, PortInUseError, validPort } from './ports.ts';

// The local mesh (DESIGN.md "The contract", `meshgate dev`): the control plane and both gateways
// bundled with esbuild and run by ONE Miniflare instance (one workerd process) on 127.0.0.1, each
// on its own port through `unsafeDirectSockets`:
//
//   admin   :15010 → meshgate-admin shim → (service binding) → control-plane (Hono admin API, DO MESH)
//   ingress :8080  → ingress-gateway  ─┐ XDS service binding → control-plane's XdsService entrypoint
//   egress  :8081  → egress-gateway   ─┘
//
// Used by the CLI (`meshgate dev`) and by the e2e tests (test/e2e/support). Plain Miniflare, not
// `wrangler dev`: one process, ~4× the throughput (cloudflare-workers.md §8).

// Miniflare types are taken from the package lazily (import cost ~300 ms is paid in startMesh).
type MiniflareModule = typeof import('miniflare');
export type WorkerOptions = import('miniflare').WorkerOptions;
type Miniflare = import('miniflare').Miniflare;

/** A gateway service binding: a worker name, a worker + RPC entrypoint, or a Node function. */
export type ServiceTarget = string | { name: string; entrypoint?: string } | ((request: Request) => Response | Promise<Response>);

/** A local stand-in for an `mtls_certificates` binding (PEM texts). */
export interface TlsBinding {
  certificateChain?: string;
  privateKey?: string;
  trustedCertificates?: string[];
}

/** The Miniflare `network` service for a TLS binding (`external` would send plain HTTP). */
export function tlsNetworkService(b: TlsBinding): { network: { allow: string[]; tlsOptions: Record<string, unknown> } } {
  if ((b.certificateChain === undefined) !== (b.privateKey === undefined)) throw new MeshStartError('a TLS binding needs both certificateChain and privateKey, or neither');
  return {
    network: {
      allow: ['private', 'public'],
      tlsOptions: {
        ...(b.certificateChain !== undefined ? { keypair: { certificateChain: b.certificateChain, privateKey: b.privateKey } } : {}),
        ...(b.trustedCertificates?.length ? { trustedCertificates: [...b.trustedCertificates] } : {}),
      },
    },
  };
}

export interface StartMeshOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Admin API (control plane) port; default 15010; 0 picks a free one. */
  adminPort?: number;
  /** Ingress gateway port (stands for edge port 80); default 8080; 0 picks a free one. */
  ingressPort?: number;
  /** Egress gateway port; default 8081; 0 picks a free one. */
  egressPort?: number;
  /** Admin bearer token; default 32 random hex characters. */
  token?: string;
  /** Durable Object state lives here (survives restarts). Default: a fresh temp dir, removed on stop. */
  stateDir?: string;
  /**
   * Where bundles go (reused while sources are unchanged). Default `node_modules/.cache/meshgate/dev`
   * in the repo (shared by every run), or `<stateDir>/.build` when there is no node_modules.
   */
  buildDir?: string;
  /** Manifests applied through the admin API once the mesh is up: file paths or texts. */
  manifests?: readonly (string | { source: string; text: string })[];
  /** Gateways' snapshot refresh interval (MESHGATE_REFRESH_MS); default 200 locally. */
  refreshMs?: number;
  /** More workers in the same workerd (demo services, test workloads). */
  extraWorkers?: readonly WorkerOptions[];
  /**
   * Service bindings added to BOTH gateways, reachable as `worker:BINDING` endpoints. Each extra
   * worker is also bound by default under its name in UPPER_SNAKE case (`reviews-v1` → REVIEWS_V1).
   */
  extraBindings?: Readonly<Record<string, ServiceTarget>>;
  /**
   * TLS origination stand-ins (docs/egress-tls.md): each becomes a Miniflare `network` service
   * bound to BOTH gateways under its name (`MTLS_PARTNER_CLIENT`), presenting `certificateChain` /
   * `privateKey` as client certificate and trusting `trustedCertificates` (PEM texts) — what an
   * `mtls_certificates` binding is in production.
   */
  tlsBindings?: Readonly<Record<string, TlsBinding>>;
  /** Override entry files (repo-relative or absolute), e.g. to run a stand-in gateway. */
  entries?: Partial<Record<MeshWorkerName, string>>;
  /** More vars for the gateways (strings). */
  gatewayVars?: Readonly<Record<string, string>>;
  /** Progress lines ("bundling workers…"). Default: none. */
  log?: (line: string) => void;
  /**
   * What to do with the workers' console output (workerd stdout/stderr): `inherit` writes it to
   * this process's stdout/stderr, `silent` keeps only the last lines (see RunningMesh.logs()),
   * or a function gets each line. Default `inherit`.
   */
  workerLogs?: 'inherit' | 'silent' | ((line: string, stream: 'stdout' | 'stderr') => void);
  /**
   * Miniflare installs SIGINT/SIGTERM handlers that exit the process at once (code 130/143).
   * Callers that shut down themselves (the CLI) pass true to remove them; workerd is still killed
   * on process exit.
   */
  ownSignals?: boolean;
  /** Idle gateways are asked to poll the control plane this often (ms), so syncz turns SYNCED without traffic; default 500, 0 never. */
  keepSyncedMs?: number;
  /** How long to wait for readiness (ms); default 30 s. */
  readyTimeoutMs?: number;
  /** Open workerd's V8 inspector on this port (CPU profiles of the gateways, e.g. with Chrome DevTools). */
  inspectorPort?: number;
  /** Aborting stops a start in progress: workerd is stopped and startMesh rejects with MeshStartAborted. */
  signal?: AbortSignal;
}

export interface ApplyResult {
  version: string;
  dryRun?: boolean;
  results: { apiVersion: string; kind: string; namespace: string; name: string; resourceVersion: string; action: 'created' | 'configured' | 'unchanged' }[];
  warnings?: unknown[];
}

export interface ApiErrorItem {
  document?: number;
  kind?: string;
  namespace?: string;
  name?: string;
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

/** An admin API call that did not answer 2xx. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errors: ApiErrorItem[],
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}${errors.length ? errors.map(formatApiError).join('; ') : `HTTP ${status}`}`);
    this.name = 'ApiError';
  }
}

export const formatApiError = (e: ApiErrorItem) =>
  `${e.line !== undefined ? `${e.line}:${e.column ?? 1} ` : ''}${e.kind ? `${e.kind}/${e.namespace ?? 'default'}/${e.name ?? ''} ` : ''}${e.path ? `${e.path}: ` : ''}${e.message}`;

export interface RunningMesh {
  adminUrl: string;
  ingressUrl: string;
  egressUrl: string;
  token: string;
  ports: { admin: number; ingress: number; egress: number };
  stateDir: string;
  /** The Miniflare instance (getBindings, getWorker, dispatchFetch). */
  mf: Miniflare;
  /** POST /v1/apply; throws ApiError on 4xx/5xx. */
  apply(yamlText: string, opts?: { dryRun?: boolean; namespace?: string }): Promise<ApplyResult>;
  /** An authenticated admin API request (path relative to adminUrl). */
  admin(pathname: string, init?: RequestInit): Promise<Response>;
  /** The workers' last console lines (up to 500). */
  logs(): string[];
  /** Stops workerd (no orphan process) and removes a temp state dir. Idempotent. */
  stop(): Promise<void>;
}

/** startMesh was aborted through its signal (e.g. Ctrl-C while starting). */
export class MeshStartAborted extends Error {
  constructor() {
    super('start aborted');
    this.name = 'MeshStartAborted';
  }
}

/** Failure to start, with a line telling the user what to do. */
export class MeshStartError extends Error {
  constructor(
    message: string,
    readonly hint?: string,
    readonly details: string[] = [],
  ) {
    super(message);
    this.name = 'MeshStartError';
  }
}

export const DEFAULT_PORTS = { admin: 15010, ingress: 8080, egress: 8081 } as const;
/** How often `meshgate dev` asks idle gateways to poll (startMesh keepSyncedMs). */
const KEEP_SYNCED_MS = 500;
export const NODE_IDS = { ingress: 'istio-ingressgateway', egress: 'istio-egressgateway' } as const;
const LOG_LINES = 500;

export function defaultBuildDir(stateDir: string): string {
  const modules = path.join(REPO_ROOT, 'node_modules');
  return existsSync(modules) ? path.join(modules, '.cache', 'meshgate', 'dev') : path.join(stateDir, '.build');
}

/** `reviews-v1` → `REVIEWS_V1`: the default binding name of an extra worker. */
export const bindingNameFor = (worker: string) => worker.toUpperCase().replace(/[^A-Z0-9]+/g, '_');

function compatibility(): { date: string; flags: string[] } {
  // The root wrangler.toml is the source of truth for deploys; read the same values.
  let text = '';
  try {
    text = readFileSync(path.join(REPO_ROOT, 'wrangler.toml'), 'utf8');
  } catch {
    /* defaults below */
  }
  const date = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(text)?.[1] ?? '2026-04-20';
  const flagsText = /^compatibility_flags\s*=\s*\[([^\]]*)\]/m.exec(text)?.[1];
  const flags = flagsText ? [...flagsText.matchAll(/"([^"]+)"/g)].map((m) => m[1]!) : ['nodejs_compat'];
  return { date, flags };
}

export async function startMesh(opts: StartMeshOptions = {}): Promise<RunningMesh> {
  const log = opts.log ?? (() => {});
  process.env.CLOUDFLARE_CF_FETCH_ENABLED ??= 'false';
  // Loading Miniflare takes ~1 s: overlap it with the port checks and bundling.
  const miniflare = import('miniflare');
  miniflare.catch(() => {});
  const host = opts.host ?? '127.0.0.1';
  const want = { admin: opts.adminPort ?? DEFAULT_PORTS.admin, ingress: opts.ingressPort ?? DEFAULT_PORTS.ingress, egress: opts.egressPort ?? DEFAULT_PORTS.egress };
  const flags = { admin: '--admin-port', ingress: '--ingress-port', egress: '--egress-port' } as const;
  for (const role of ['admin', 'ingress', 'egress'] as const) {
    if (!validPort(want[role])) throw new MeshStartError(`invalid ${role} port ${want[role]}: pass ${flags[role]} N with 0 ≤ N ≤ 65535 (0 picks a free one)`);
  }
  const nonZero = Object.values(want).filter((p) => p !== 0);
  if (new Set(nonZero).size !== nonZero.length) throw new MeshStartError(`the admin, ingress and egress ports must differ (got ${want.admin}, ${want.ingress}, ${want.egress}): pass distinct --admin-port, --ingress-port and --egress-port`);
  for (const role of ['admin', 'ingress', 'egress'] as const) {
    if (!(await checkPortFree(host, want[role]))) {
      throw new MeshStartError(new PortInUseError(role, host, want[role], flags[role]).message);
    }
  }

  const token = opts.token ?? randomBytes(16).toString('hex');
  const ownState = opts.stateDir === undefined;
  const stateDir = ownState ? await mkdtemp(path.join(tmpdir(), 'meshgate-dev-')) : path.resolve(opts.stateDir!);
  const cleanups: (() => Promise<void>)[] = [];
  if (ownState) cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
  // Steps cut short by an abort keep running; cleanup waits for them (a bundle still being
  // written would recreate the state dir after its removal).
  const inflight: Promise<unknown>[] = [];
  const cleanup = async () => {
    await Promise.allSettled(inflight);
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
  };

  const aborted = () => {
    if (opts.signal?.aborted) throw new MeshStartAborted();
  };
  // Races a step against the abort signal, so a long step (workerd start, readiness) is cut short.
  const step = <T>(p: Promise<T>): Promise<T> => {
    const signal = opts.signal;
    if (!signal) return p;
    aborted();
    inflight.push(p);
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => reject(new MeshStartAborted());
      signal.addEventListener('abort', onAbort, { once: true });
      p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  };

  try {
    await mkdir(stateDir, { recursive: true });
    const buildDir = opts.buildDir ? path.resolve(opts.buildDir) : defaultBuildDir(stateDir);

    log('bundling workers…');
    const entries: Record<string, string> = { ...MESH_ENTRIES, ...opts.entries };
    let bundle;
    try {
      bundle = await step(bundleWorkers(buildDir, entries));
    } catch (e) {
      if (e instanceof MeshStartAborted) throw e;
      const details = (e as { details?: string[] }).details ?? [];
      throw new MeshStartError(`cannot bundle the mesh workers: ${(e as Error).message}; fix it (npx tsc --noEmit shows type errors) and run meshgate dev again`, undefined, details.slice(1));
    }

    log('starting workerd…');
    const launching = launch({ opts, host, want, token, stateDir, files: bundle.files, miniflare: await step(miniflare) });
    // Registered before it resolves, so an abort while workerd starts still stops it.
    cleanups.push(() => launching.then((l) => l.dispose(), () => {}));
    const mf = await step(launching);
    const logs = mf.logs;

    const direct = async (worker: string) => {
      const u = await mf.instance.unsafeGetDirectURL(worker);
      return { url: `http://${host.includes(':') ? `[${host}]` : host}:${u.port}`, port: Number(u.port) };
    };
    const [admin, ingress, egress] = await Promise.all([direct(ADMIN_SHIM_WORKER), direct('ingress-gateway'), direct('egress-gateway')]);

    const adminFetch = (pathname: string, init: RequestInit = {}) => {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${token}`);
      return fetch(new URL(pathname, admin.url), { ...init, headers });
    };
    const apply = async (text: string, o: { dryRun?: boolean; namespace?: string; source?: string } = {}) => {
      const q = new URLSearchParams();
      if (o.dryRun) q.set('dryRun', 'true');
      if (o.namespace) q.set('namespace', o.namespace);
      const res = await adminFetch(`/v1/apply${q.size ? `?${q}` : ''}`, { method: 'POST', body: text, headers: { 'content-type': 'application/yaml' } });
      const body = (await res.json().catch(() => ({}))) as Partial<ApplyResult> & { errors?: ApiErrorItem[] };
      if (!res.ok) throw new ApiError(res.status, body.errors ?? [], o.source);
      return body as ApplyResult;
    };

    await step(waitReady({ mf: mf.instance, ingress: ingress.url, egress: egress.url, timeoutMs: opts.readyTimeoutMs ?? 30_000, logs, signal: opts.signal }));

    const manifests = await readManifests(opts.manifests ?? []);
    if (manifests.length) {
      log(`applying ${manifests.length} manifest${manifests.length === 1 ? '' : 's'}…`);
      for (const m of manifests) {
        try {
          await step(apply(m.text, { source: m.source }));
        } catch (e) {
          if (e instanceof ApiError) {
            const lines = e.errors.map((x) => `${m.source}:${formatApiError(x)}`);
            throw new MeshStartError(`the control plane rejected ${lines[0] ?? `${m.source} (HTTP ${e.status})`}; fix the manifest and start again`, undefined, lines.slice(1));
          }
          throw e;
        }
      }
    }

    // The gateways polled before the manifests existed: have them pick up the applied config now,
    // so the first request after "ready" already sees it. Their status endpoint polls at most every
    // 100 ms, so ask until /debug/syncz shows both on the newest snapshot (give up after 10 s).
    if (manifests.length) {
      const until = Date.now() + 10_000;
      while (Date.now() < until) {
        await Promise.all([answers(ingress.url), answers(egress.url)]).catch(() => undefined);
        const rows = (await (await adminFetch('/debug/syncz')).json().catch(() => [])) as { proxy: string; status: string; version?: string; latest?: string }[];
        const synced = (id: string) => rows.some((r) => r.proxy === id && r.status === 'SYNCED' && r.version === r.latest);
        if (synced(NODE_IDS.ingress) && synced(NODE_IDS.egress)) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    mf.setReady(); // from now on the admin port's /healthz is the control plane's own
    // Idle gateways stay in sync. On Cloudflare a gateway polls the control plane when requests
    // arrive, and gateways everywhere carry traffic; locally nothing else wakes an idle one, so
    // /debug/syncz would show STALE after an apply until a request reached it. Its status
    // endpoint polls (a conditional request, at most every 100 ms): ask it on a timer.
    const keepMs = opts.keepSyncedMs ?? KEEP_SYNCED_MS;
    if (keepMs > 0) {
      const timer = setInterval(() => {
        for (const u of [ingress.url, egress.url]) answers(u).catch(() => {});
      }, keepMs);
      timer.unref();
      cleanups.push(async () => clearInterval(timer));
    }
    let stopped: Promise<void> | undefined;
    return {
      adminUrl: admin.url,
      ingressUrl: ingress.url,
      egressUrl: egress.url,
      token,
      ports: { admin: admin.port, ingress: ingress.port, egress: egress.port },
      stateDir,
      mf: mf.instance,
      apply: (text, o) => apply(text, o),
      admin: adminFetch,
      logs: () => [...logs],
      stop: () => (stopped ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

interface Launched {
  instance: Miniflare;
  logs: string[];
  setReady(): void;
  dispose(): Promise<void>;
}

async function launch(a: { opts: StartMeshOptions; host: string; want: { admin: number; ingress: number; egress: number }; token: string; stateDir: string; files: Record<string, string>; miniflare: MiniflareModule }): Promise<Launched> {
  const { Miniflare } = a.miniflare;
  const { opts, host, want } = a;
  const compat = compatibility();
  const base = { modules: true, compatibilityDate: compat.date, compatibilityFlags: compat.flags } as const;

  const gatewayBindings: Record<string, WorkerOptions['serviceBindings'] extends infer S ? (S extends Record<string, infer V> ? V : never) : never> = {};
  for (const w of opts.extraWorkers ?? []) if (w.name) gatewayBindings[bindingNameFor(w.name)] = w.name;
  for (const [k, v] of Object.entries(opts.extraBindings ?? {})) gatewayBindings[k] = v as never;
  for (const [k, v] of Object.entries(opts.tlsBindings ?? {})) gatewayBindings[k] = tlsNetworkService(v) as never;
  const xds = { name: 'control-plane', entrypoint: 'XdsService' };
  const refresh = String(opts.refreshMs ?? 200);

  let ready = false;
  const logs: string[] = [];
  const sink = opts.workerLogs ?? 'inherit';
  const onLine = (line: string, stream: 'stdout' | 'stderr') => {
    logs.push(line);
    if (logs.length > LOG_LINES) logs.splice(0, logs.length - LOG_LINES);
    if (sink === 'inherit') (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`);
    else if (typeof sink === 'function') sink(line, stream);
  };
  const pipe = (r: Readable, stream: 'stdout' | 'stderr') => createInterface({ input: r, crlfDelay: Infinity }).on('line', (l) => onLine(l, stream));

  const workers: WorkerOptions[] = [
    {
      ...base,
      name: 'control-plane',
      scriptPath: a.files['control-plane']!,
      modulesRoot: path.dirname(a.files['control-plane']!),
      durableObjects: { MESH: { className: 'MeshControlPlane', useSQLite: true } },
      bindings: { MESHGATE_ADMIN_TOKEN: a.token },
    },
    {
      ...base,
      name: ADMIN_SHIM_WORKER,
      script: ADMIN_SHIM_SCRIPT,
      serviceBindings: {
        CONTROL_PLANE: 'control-plane',
        RUNNER: () => new Response(ready ? 'ok' : 'starting: waiting for the control plane and both gateways', { status: ready ? 200 : 503 }),
      },
      unsafeDirectSockets: [{ host, port: want.admin }],
    },
    ...(['ingress', 'egress'] as const).map(
      (role): WorkerOptions => ({
        ...base,
        name: `${role}-gateway`,
        scriptPath: a.files[`${role}-gateway`]!,
        modulesRoot: path.dirname(a.files[`${role}-gateway`]!),
        bindings: { MESHGATE_NODE_ID: NODE_IDS[role], MESHGATE_REFRESH_MS: refresh, MESHGATE_DEV: '1', ...(role === 'ingress' ? { MESHGATE_EDGE_PORT: '80' } : {}), ...opts.gatewayVars },
        serviceBindings: { ...gatewayBindings, XDS: xds },
        unsafeDirectSockets: [{ host, port: want[role] }],
      }),
    ),
    ...(opts.extraWorkers ?? []),
  ];

  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const instance = new Miniflare({
    host,
    port: 0,
    cf: false,
    ...(opts.inspectorPort !== undefined ? { inspectorPort: opts.inspectorPort } : {}),
    defaultPersistRoot: a.stateDir,
    handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
      pipe(stdout, 'stdout');
      pipe(stderr, 'stderr');
    },
    workers,
  });
  if (opts.ownSignals) {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      for (const l of process.listeners(sig)) if (!before[sig].includes(l)) process.removeListener(sig, l);
    }
  }
  try {
    await instance.ready;
  } catch (e) {
    await instance.dispose().catch(() => {});
    const err = e as Error & { code?: string };
    if (err.code === 'ERR_ADDRESS_IN_USE') {
      const port = Number(/:(\d+)\)/.exec(err.message)?.[1]);
      const role = (['admin', 'ingress', 'egress'] as const).find((r) => want[r] === port) ?? 'admin';
      throw new MeshStartError(new PortInUseError(role, host, port, `--${role}-port`).message);
    }
    const tail = logs.slice(-20);
    throw new MeshStartError(`workerd failed to start (${err.message.replace(/\s+/g, ' ').trim()}); see its output above`, undefined, tail);
  }
  return { instance, logs, setReady: () => void (ready = true), dispose: () => instance.dispose() };
}

async function readManifests(list: readonly (string | { source: string; text: string })[]): Promise<{ source: string; text: string }[]> {
  const { readFile } = await import('node:fs/promises');
  return Promise.all(list.map(async (m) => (typeof m === 'string' ? { source: m, text: await readFile(m, 'utf8') } : m)));
}

/** Control plane /healthz 200 (directly, not through the admin shim) and both gateways answering. */
async function waitReady(a: { mf: Miniflare; ingress: string; egress: string; timeoutMs: number; logs: string[]; signal?: AbortSignal }): Promise<void> {
  const deadline = Date.now() + a.timeoutMs;
  const cp = await a.mf.getWorker('control-plane');
  const pending = new Map<string, () => Promise<boolean>>([
    ['control plane', async () => {
      const r = await cp.fetch('http://meshgate.local/healthz');
      await r.arrayBuffer();
      return r.status === 200;
    }],
    ['ingress gateway', () => answers(a.ingress)],
    ['egress gateway', () => answers(a.egress)],
  ]);
  let lastError = '';
  while (pending.size && !a.signal?.aborted) {
    for (const [name, probe] of [...pending]) {
      try {
        if (await probe()) pending.delete(name);
      } catch (e) {
        lastError = `${name}: ${(e as Error).message}`;
      }
    }
    if (!pending.size) break;
    if (Date.now() > deadline) {
      throw new MeshStartError(`the mesh did not become ready within ${a.timeoutMs} ms (waiting for ${[...pending.keys()].join(', ')}); see the worker output above`, undefined, [...(lastError ? [lastError] : []), ...a.logs.slice(-20)]);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * The gateway's status endpoint (Envoy's `/healthz/ready`, at the reserved authority
 * `meshgate.status`; src/gateway/worker.ts): never routed, and it makes the gateway poll the
 * control plane, so it shows up in /debug/syncz at once. Any HTTP response counts as up.
 */
export const GATEWAY_STATUS = { host: 'meshgate.status', path: '/healthz/ready' } as const;

function answers(base: string): Promise<boolean> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: u.hostname, port: u.port, path: GATEWAY_STATUS.path, method: 'GET', headers: { host: GATEWAY_STATUS.host, 'user-agent': 'meshgate-dev-readiness' }, timeout: 5_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(true));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}
