import type { Node } from '../xds/protocol.ts';
import { SnapshotClient, type XdsBinding } from './xds-client.ts';
import { compileSnapshot, type CompiledConfig } from './compile.ts';
import { UpstreamState } from './upstream/index.ts';
import { socketProbe, type SocketConnect } from './router/connect-probe.ts';
import { systemRuntime, type Runtime } from './runtime.ts';
import { handle } from './pipeline.ts';
import { arrivedDirectly, clientIpOf, isInternalCaller } from './http/forwarded.ts';
import { edgePort } from './http/host.ts';
import { localReply } from './http/local-reply.ts';
import { HeaderMap } from './http/header-map.ts';

// A gateway worker (ingress or egress): identifies itself as a proxy, keeps its snapshot in
// isolate memory, and serves every request from it. State that must outlive a snapshot
// (outlier ejections, breaker counters) lives in one UpstreamState per isolate.

export interface GatewayEnv {
  XDS: XdsBinding;
  /** Stable proxy id (proxy-status); default `istio-<role>gateway`. */
  MESHGATE_NODE_ID?: string;
  /** Snapshot poll interval in ms (default 500). */
  MESHGATE_REFRESH_MS?: string;
  /** The edge port requests arrive on, when the URL cannot tell (local dev: the ingress port stands for 80). */
  MESHGATE_EDGE_PORT?: string;
  /** `1` on a local mesh: the client is on loopback. */
  MESHGATE_DEV?: string;
  [binding: string]: unknown;
}

export interface GatewayOptions {
  role: Node['role'];
  labels: Record<string, string>;
  runtime?: Runtime;
  /** `connect` from `cloudflare:sockets`: lets the gateway tell a refused upstream from a reset. */
  connect?: SocketConnect;
}

const COLD_WAIT_MS = 3000;
const DEFAULT_REFRESH_MS = 500;

/**
 * `MESHGATE_REFRESH_MS`: milliseconds, also written as a duration (`500ms`, `1s`). Anything else
 * would stop refreshes for good (NaN never elapses), so it is logged and the default used.
 */
export function refreshMsOf(raw: string | undefined): number {
  const m = raw === undefined ? undefined : /^\s*(\d{1,9})(ms|s)?\s*$/.exec(raw);
  if (m) return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
  if (raw !== undefined) console.warn(`meshgate: MESHGATE_REFRESH_MS="${raw}" is not a number of milliseconds (e.g. 500 or 500ms); polling every ${DEFAULT_REFRESH_MS} ms`);
  return DEFAULT_REFRESH_MS;
}

/**
 * meshgate's equivalent of Envoy's status port (15021 `/healthz/ready`): requests to the reserved
 * authority `meshgate.status` are answered by the gateway itself, never routed. Each one polls the
 * control plane first (at most once per 100 ms per isolate, never two at once), so it also brings
 * an idle gateway up to date (Workers only run on requests).
 */
export const STATUS_AUTHORITY = 'meshgate.status';

function isStatusAuthority(authority: string): boolean {
  if (authority.length < STATUS_AUTHORITY.length) return false;
  const host = authority.toLowerCase();
  return host === STATUS_AUTHORITY || host.startsWith(`${STATUS_AUTHORITY}:`);
}

/** The status endpoint polls at most this often: any client can send `Host: meshgate.status`. */
const STATUS_POLL_GAP_MS = 100;

async function status(client: SnapshotClient<CompiledConfig>, xds: XdsBinding, request: Request, rt: Runtime): Promise<Response> {
  if (!client.busy && rt.now() - client.lastPollAt >= STATUS_POLL_GAP_MS) await client.poll(xds);
  const applied = client.applied;
  const body = { ready: !!applied, node: client.node.id, version: applied?.snapshot.version ?? null, configVersion: applied?.snapshot.config_version ?? null, lastError: client.lastError ?? null };
  const path = new URL(request.url).pathname;
  if (path !== '/healthz/ready' && path !== '/stats') return localReply(404, '');
  return new Response(JSON.stringify(body), { status: applied || path === '/stats' ? 200 : 503, headers: { 'content-type': 'application/json' } });
}

export function createGateway(opts: GatewayOptions): ExportedHandler<GatewayEnv> {
  const rt = opts.runtime ?? systemRuntime;
  const state = new UpstreamState();
  const probe = opts.connect ? socketProbe(opts.connect) : undefined;
  let client: SnapshotClient<CompiledConfig> | undefined;

  return {
    async fetch(request, env, ctx) {
      client ??= new SnapshotClient<CompiledConfig>(
        { id: env.MESHGATE_NODE_ID ?? `istio-${opts.role}gateway`, role: opts.role, namespace: 'istio-system', labels: opts.labels },
        (snapshot) => compileSnapshot(snapshot, state, rt),
        { refreshMs: refreshMsOf(env.MESHGATE_REFRESH_MS), coldWaitMs: COLD_WAIT_MS, refreshOf: (c: CompiledConfig) => c.refreshMs },
        rt,
      );
      const url = new URL(request.url);
      // The request headers are read from the runtime once, here; the pipeline works on this map.
      const incoming = HeaderMap.from(request.headers);
      if (isStatusAuthority(incoming.get('host') ?? url.host)) return status(client, env.XDS, request, rt);
      const got = client.get(env.XDS, (p) => ctx.waitUntil(p));
      const cfg = got instanceof Promise ? await got : got;
      if (!cfg) {
        return localReply(503, `meshgate ${opts.role} gateway has no configuration yet: ${client.lastError ?? 'the control plane did not answer in time'}; retrying on the next request\n`);
      }
      const local = env.MESHGATE_DEV === '1';
      // Only the ingress gateway is reached from Cloudflare's edge; a Worker calling the egress
      // gateway over a service binding sets `cf` (and CF-Connecting-IP) itself.
      const viaCloudflare = !local && opts.role === 'ingress' && typeof (request.cf as { colo?: unknown } | undefined)?.colo === 'string';
      const clientIp = clientIpOf(incoming, { viaCloudflare, fallback: local ? '127.0.0.1' : null });
      // Mesh workloads reach the egress gateway over service bindings (no client address): internal.
      const internal = clientIp === null ? opts.role === 'egress' : isInternalCaller(clientIp) && arrivedDirectly(incoming.get('x-forwarded-for'), clientIp);
      const override = env.MESHGATE_EDGE_PORT ? Number(env.MESHGATE_EDGE_PORT) : null;
      let port: number;
      try {
        port = edgePort(url, override);
      } catch {
        return localReply(400, '');
      }
      return handle(cfg, { request, url, incoming, role: opts.role, edgePort: port, clientIp, internal, env, waitUntil: (p) => ctx.waitUntil(p), probe }, rt);
    },
  };
}
