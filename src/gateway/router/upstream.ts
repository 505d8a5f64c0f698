import type { CompiledCluster, Endpoint } from '../upstream/index.ts';
import type { AttemptOutcome } from './retry.ts';
import { tlsFetcher } from './upstream-tls.ts';
import { headersInit, type HeaderBag } from '../http/header-map.ts';
import type { ConnectProbe } from './connect-probe.ts';

// One upstream attempt: build the URL for the endpoint (address and port, a service binding for
// `worker:NAME`, or the request's own host for ORIGINAL_DST), fetch with a deadline, classify
// the outcome as Envoy does (response, connect failure, reset, timeout). Redirects from the
// upstream pass through (never followed).

export interface UpstreamRequest {
  method: string;
  /** Path and query as the upstream should see them (after rewrites). */
  pathAndQuery: string;
  /** The authority the route produced (request Host, rewrite.authority, mirror `-shadow`). */
  authority: string;
  headers: HeaderBag;
  body: BodyInit | null;
  /** For ORIGINAL_DST: where the request was headed. */
  originalScheme: 'http' | 'https';
  originalHost: string;
  originalPort: number;
}

export type Bindings = Record<string, unknown>;

const isFetcher = (v: unknown): v is Fetcher => typeof v === 'object' && v !== null && typeof (v as Fetcher).fetch === 'function';
const bracket = (h: string) => (h.includes(':') && !h.startsWith('[') ? `[${h}]` : h);

export function upstreamUrl(cluster: CompiledCluster, ep: Endpoint, req: UpstreamRequest): string {
  // ORIGINAL_DST: where the request was headed, on the cluster's port override if any, over TLS
  // when the cluster originates it (a DestinationRule `tls` on a NONE ServiceEntry).
  if (ep.originalDestination) return `${cluster.tls ? 'https' : req.originalScheme}://${bracket(req.originalHost)}:${cluster.originalDstPort ?? req.originalPort}${req.pathAndQuery}`;
  if (ep.binding) return `${cluster.scheme}://${req.authority}${req.pathAndQuery}`;
  return `${cluster.scheme}://${bracket(ep.address)}:${ep.port}${req.pathAndQuery}`;
}

export interface AttemptResult {
  outcome: AttemptOutcome;
  response?: Response;
  error?: string;
}

export async function attempt(cluster: CompiledCluster, ep: Endpoint, req: UpstreamRequest, env: Bindings, timeoutMs: number, probe?: ConnectProbe): Promise<AttemptResult> {
  const url = upstreamUrl(cluster, ep, req);
  // The runtime's own timeout signal: no JS timer or controller per attempt.
  const signal = timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined;
  const init: RequestInit = { method: req.method, headers: headersInit(req.headers), body: req.body, redirect: 'manual' };
  if (signal) init.signal = signal;
  // The Fetch standard asks a streamed request body to say so (workerd does not insist; Node does).
  if (req.body instanceof ReadableStream) (init as RequestInit & { duplex: 'half' }).duplex = 'half';
  try {
    let res: Response;
    if (ep.binding) {
      const fetcher = env[ep.binding];
      if (!isFetcher(fetcher)) return { outcome: { kind: 'connect-failure' }, error: `no service binding named ${ep.binding} on this gateway` };
      res = await fetcher.fetch(url, init);
    } else {
      // TLS origination: a client certificate or private trust anchor is a binding (upstream-tls.ts).
      const tls = tlsFetcher(cluster, env, url);
      if ('error' in tls) return { outcome: { kind: 'connect-failure' }, error: tls.error };
      res = await (tls.fetcher ? tls.fetcher.fetch(url, init) : fetch(url, init));
    }
    return { outcome: { kind: 'response', status: res.status }, response: res };
  } catch (e) {
    if (signal?.aborted) return { outcome: { kind: 'timeout' } };
    const message = (e as Error).message ?? String(e);
    return { outcome: { kind: await failureKind(e, cluster, ep, req, probe, timeoutMs) }, error: message };
  }
}

// Node's fetch names the cause (ECONNREFUSED, ECONNRESET, UND_ERR_SOCKET); workerd says
// "Network connection lost." for refused, reset and closed alike: a probe settles it.
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

async function failureKind(e: unknown, cluster: CompiledCluster, ep: Endpoint, req: UpstreamRequest, probe: ConnectProbe | undefined, timeoutMs: number): Promise<'connect-failure' | 'reset'> {
  const code = ((e as { cause?: { code?: unknown } }).cause?.code ?? (e as { code?: unknown }).code) as string | undefined;
  if (code !== undefined && CONNECT_CODES.has(code)) return 'connect-failure';
  if (code !== undefined && RESET_CODES.has(code)) return 'reset';
  const message = (e as Error).message ?? String(e);
  if (!/connection lost|reset|disconnected/i.test(message)) return 'connect-failure';
  if (!probe || ep.binding) return 'reset';
  const [host, port] = ep.originalDestination ? [req.originalHost, cluster.originalDstPort ?? req.originalPort] : [ep.address, ep.port];
  // The probe runs within the attempt's time (no timeout: the probe's own bound).
  return (await (timeoutMs > 0 ? probe(host, port, timeoutMs) : probe(host, port))) === 'refused' ? 'connect-failure' : 'reset';
}
