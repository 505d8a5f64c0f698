import type { Runtime } from './runtime.ts';
import type { CompiledConfig } from './compile.ts';
import type { CompiledRoute, CompiledVirtualHost, MatchInput } from './routing/index.ts';
import type { Route } from '../xds/resources/route.ts';
import { MESHGATE_PATH_MODE, normalizePath } from './http/path.ts';
import { formatAuthority, isCanonicalHost, isMappedIpv4, parseAuthority } from './http/host.ts';
import { ensureRequestId } from './http/request-id.ts';
import { propagateTrace } from './http/tracing.ts';
import { applyForwardedHeaders, isInternalCaller } from './http/forwarded.ts';
import { stripHopByHop } from './http/hop-by-hop.ts';
import { HeaderMap, type HeaderBag } from './http/header-map.ts';
import { badRequest, blackHole, directResponse, noRoute, redirect, toGrpcLocalReply } from './http/local-reply.ts';
import { answerPreflight, decorateResponse, isPreflight } from './filters/cors.ts';
import { drawFault } from './filters/fault.ts';
import { runFilters, type FilterContext } from './filters/chain.ts';
import { ISTIO_AUTHN } from './filters/jwt/claims.ts';
import { applyHeaderOps } from './router/header-ops.ts';
import { pickTarget, type CompiledAction } from './router/compile-action.ts';
import { redirectResponse } from './router/redirect.ts';
import { forward } from './router/router.ts';
import type { RetryHeaders } from './router/retry.ts';
import type { Bindings } from './router/upstream.ts';
import type { ConnectProbe } from './router/connect-probe.ts';

// One request through the gateway: listener (edge port) → path normalization → virtual host →
// route → filters (cors, fault) → router. Every response carries x-request-id; proxied ones
// x-envoy-upstream-service-time.

export interface GatewayRequest {
  request: Request;
  /** The request URL, parsed once by the caller. */
  url?: URL;
  /** The request headers, read once by the caller (never changed by the pipeline). */
  incoming?: HeaderMap;
  role: 'ingress' | 'egress';
  /** Edge port the request arrived on (URL port, 80/443 by scheme, or the local override). */
  edgePort: number;
  /** The real client address, when known. */
  clientIp: string | null;
  /** Trusted internal caller (mesh workload, loopback, private network): x-envoy-* overrides honoured. */
  internal: boolean;
  env: Bindings;
  waitUntil: (p: Promise<unknown>) => void;
  retryBufferBytes?: number;
  /** Verified peer identity (mTLS), when there is one. */
  peer?: FilterContext['peer'];
  /** Tells a refused upstream connection from a reset (connect-probe.ts). */
  probe?: ConnectProbe | undefined;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * What the listener filters see of this request. A class, not an object literal: a literal with a
 * getter is built slowly on every request, a prototype getter costs nothing until read.
 */
class RequestFilterContext implements FilterContext {
  readonly method: string;
  readonly port: number;
  readonly clientIp: string | null;
  readonly cfFromEdge: boolean;
  readonly env: Bindings;
  readonly waitUntil: (p: Promise<unknown>) => void;
  peer?: FilterContext['peer'];
  deniedMirrors?: Set<string>;

  constructor(
    readonly request: Request,
    readonly headers: HeaderBag,
    readonly path: string,
    readonly scheme: 'http' | 'https',
    readonly authority: string,
    g: GatewayRequest,
    readonly metadata: Record<string, Record<string, unknown>>,
    readonly rt: Runtime,
    private readonly vh: CompiledVirtualHost | undefined,
    private readonly input: MatchInput,
    private readonly matched: CompiledRoute | undefined,
    private readonly actions: CompiledConfig['actions'],
  ) {
    this.method = request.method;
    this.port = g.edgePort;
    this.clientIp = g.clientIp;
    // Mesh Workers reach the egress gateway over service bindings, with a `cf` of their own making.
    this.cfFromEdge = g.role === 'ingress';
    this.env = g.env;
    this.waitUntil = g.waitUntil;
    if (g.peer) this.peer = g.peer;
  }

  /**
   * True once jwt_authn changed what routing sees: verified claims, or a token taken out of the
   * query. Other filters never re-route (Envoy's ext_authz and rbac leave the route cache alone).
   */
  get rerouted(): boolean {
    return this.queryChanged || ISTIO_AUTHN in this.metadata;
  }
  private queryChanged = false;

  /** The query routing sees: jwt_authn taking a token out of it changes it for routing too. */
  get query(): string {
    return this.input.query;
  }
  set query(q: string) {
    this.queryChanged ||= q !== this.input.query;
    this.input.query = q;
  }

  /** The route as matched now (destination-scoped authorization): an earlier filter may have made another one match. */
  get route(): Route | undefined {
    return this.current()?.route;
  }

  /** The route once pinned: what later filters change (a destination's claim headers) no longer re-routes. */
  pinned?: { route: CompiledRoute | undefined };
  pinRoute(): void {
    this.pinned ??= { route: this.current() };
  }

  /** The route the request goes to, as the filters left it. */
  current(): CompiledRoute | undefined {
    if (this.pinned) return this.pinned.route;
    return this.rerouted ? this.vh?.match(this.input) : this.matched;
  }

  get routed(): { path: string; authority: string } | undefined {
    const route = this.route;
    const a = route ? this.actions.get(route) : undefined;
    if (!a) return undefined;
    return { path: a.rewrite ? a.rewrite(this.path) : this.path, authority: a.hostRewrite ?? this.authority };
  }
}

/** REGISTRY_ONLY: a host no ServiceEntry declares goes to the BlackHoleCluster (502), and is logged. */
function blocked(host: string): Response {
  console.warn(`egress: blocked ${host}: no ServiceEntry declares it and the outbound traffic policy is REGISTRY_ONLY (BlackHoleCluster)`);
  return blackHole();
}

export async function handle(cfg: CompiledConfig, g: GatewayRequest, rt: Runtime): Promise<Response> {
  const req = g.request;
  // The request headers are read from the runtime once; everything after works on JS maps:
  // `incoming` as the client sent them (hashing, trusted overrides), `headers` as Envoy's
  // connection manager leaves them before routing and filters: hop-by-hop headers gone (so a
  // client's `Connection` cannot remove what the gateway sets), request id, x-forwarded-* and
  // x-envoy-internal set by the gateway (so routes and policies never see a client's spoofed
  // x-forwarded-proto). That map goes upstream.
  const incoming = g.incoming ?? HeaderMap.from(req.headers);
  const headers = incoming.clone();
  stripHopByHop(headers, 'request');
  const { id: requestId } = ensureRequestId(headers);
  const finish = (res: Response, extra?: (h: Headers, status: number) => void) => {
    // A gRPC caller gets the gateway's own answers in gRPC form (Envoy sendLocalReply).
    if (isGrpc(incoming.get('content-type'))) res = toGrpcLocalReply(res) ?? res;
    const out = new Response(res.body, res);
    stripHopByHop(out.headers, 'response', { keepWebSocketUpgrade: res.status === 101 });
    extra?.(out.headers, out.status);
    out.headers.set('x-request-id', requestId);
    return out;
  };

  const url = g.url ?? new URL(req.url);
  // A Host that is no valid authority is refused, as Envoy's codec refuses it: routing, policy and
  // an ORIGINAL_DST upstream must all read one host, never the Host for one and the URL for another.
  const authority = incoming.get('host') ?? url.host;
  const parsed = parseAuthority(authority);
  // The runtime already wrote the URL's host canonically; a Host that differs is checked too.
  if (!parsed || (authority !== url.host && !isCanonicalHost(parsed)) || isMappedIpv4(parsed)) return finish(badRequest());
  const host = parsed.host;
  const listener = cfg.listeners.get(g.edgePort);
  if (!listener) {
    if (g.role !== 'egress') return finish(noRoute());
    if (!cfg.passthrough) return finish(blocked(authority));
  }
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  applyForwardedHeaders(headers, { clientIp: g.clientIp, scheme, internal: g.internal });
  const rawPath = url.pathname;
  const norm = normalizePath(rawPath, listener?.pathMode ?? MESHGATE_PATH_MODE, req.method);
  if (!norm.ok) return finish(badRequest());
  if (norm.redirect) return finish(redirect(307, `${norm.path}${url.search}`));
  const path = norm.path;
  let query = url.search.slice(1);

  const metadata: Record<string, Record<string, unknown>> = {};
  const origin = incoming.get('origin');
  let action: CompiledAction | undefined;
  let deniedMirrors: ReadonlySet<string> | undefined;
  // What route matching sees; header operations read the request from it too.
  const input: MatchInput = { path, headers, method: req.method, scheme, authority, query, metadata };
  let vh: CompiledVirtualHost | undefined;
  let route: CompiledRoute | undefined;
  if (listener) {
    vh = listener.table.selectVirtualHost(authority);
    if (vh?.virtualHost.require_tls === 'ALL' && scheme === 'http') {
      return finish(redirect(301, `https://${formatAuthority(host)}${path}${url.search}`));
    }
    route = vh?.match(input);
    // CORS preflights are answered before authentication (Envoy: jwt_authn bypass_cors_preflight).
    const preflightCors = route ? corsOf(cfg.actions.get(route.route)) : undefined;
    if (preflightCors && isPreflight(req)) {
      const local = answerPreflight(preflightCors, req);
      if (local) return finish(local);
    }
  }
  // Listener filters (authentication, authorization) run whether or not a route matched, as in
  // Envoy, and on a passthrough port too (egress, ALLOW_ANY, a port no ServiceEntry declares).
  const filters = listener ? listener.filters : cfg.passthrough!.filters;
  if (filters.length) {
    const fctx = new RequestFilterContext(req, headers, path, scheme, authority, g, metadata, rt, vh, input, route, cfg.actions);
    const ran = runFilters(filters, fctx);
    const denied = ran instanceof Promise ? await ran : ran;
    // Envoy clears the route cache after jwt_authn: claims may now select another route.
    route = fctx.current();
    if (denied) {
      // Once a route is chosen, Envoy's local replies get its response headers and CORS.
      const chosen = route ? cfg.actions.get(route.route) : undefined;
      return chosen ? finish(denied, (h, s) => routeReplyHeaders(chosen, h, input, g.clientIp, s, origin)) : finish(denied);
    }
    query = input.query; // jwt_authn strips a token passed as a query parameter
    deniedMirrors = fctx.deniedMirrors;
  }
  action = listener ? (route ? cfg.actions.get(route.route) : undefined) : cfg.passthrough!.action;
  if (!action) return finish(noRoute());
  const r = action.route;
  if (r.name === 'block_all') return finish(blocked(authority));

  // The route's own answers (direct response, redirect, fault abort) get its response header
  // operations, as Envoy's local replies do (finalizeResponseHeaders). A fault abort also gets
  // CORS headers (meshgate's CORS filter sits before fault); a direct response or redirect never
  // does: Envoy's CORS filter skips routes without a route entry.
  const a = action;
  if (a.direct) return finish(directResponse(a.direct.status, a.direct.body), (h, s) => applyHeaderOps(a.responseHeaders, h, input, g.clientIp, s));
  if (r.redirect) {
    const res = redirectResponse(r.redirect, { scheme, host, authorityPort: parsed.port ?? undefined, edgePort: g.edgePort, path, query, ...(a.rewrite ? { rewrite: a.rewrite } : {}) });
    return finish(res, (h, s) => applyHeaderOps(a.responseHeaders, h, input, g.clientIp, s));
  }
  if (a.fault) {
    const f = drawFault(a.fault, rt);
    if (f.delayMs > 0) await sleep(f.delayMs);
    if (f.abort) return finish(f.abort, (h, s) => routeReplyHeaders(a, h, input, g.clientIp, s, origin));
  }
  const target = pickTarget(action, rt.random());
  if (!target) return finish(noRoute());

  // The upstream request: tracing headers, route operations.
  propagateTrace(headers, rt);
  // A weighted destination's operations run before the route's, so the route's `set` wins (Envoy
  // evaluates weighted-cluster headers first; reference/istio-semantics.md §3.6).
  applyHeaderOps(target.requestHeaders, headers, input, g.clientIp);
  applyHeaderOps(action.requestHeaders, headers, input, g.clientIp);
  let upstreamPath = path;
  if (action.rewrite) {
    // Envoy's router keeps the path it rewrites in x-envoy-original-path (finalizePathHeader).
    headers.set('x-envoy-original-path', query ? `${path}?${query}` : path);
    upstreamPath = action.rewrite(path);
    // Envoy rewrites :path after the request header operations: response ones see the new path.
    input.path = upstreamPath;
  }
  // Envoy's retry and timeout request headers, from trusted callers only (external ones had them
  // stripped). An honoured header is consumed, as Envoy's router does: the upstream never sees it.
  let retryHeaders: RetryHeaders | undefined;
  let timeoutOverride: number | undefined;
  if (g.internal && listener?.internalHeaderOverrides !== false) {
    timeoutOverride = digits(take(incoming, headers, 'x-envoy-upstream-rq-timeout-ms'));
    const h: RetryHeaders = {
      retryOn: take(incoming, headers, 'x-envoy-retry-on'),
      grpcRetryOn: take(incoming, headers, 'x-envoy-retry-grpc-on'),
      statusCodes: take(incoming, headers, 'x-envoy-retriable-status-codes'),
      maxRetries: digits(take(incoming, headers, 'x-envoy-max-retries')),
      perTryTimeoutMs: digits(take(incoming, headers, 'x-envoy-upstream-rq-per-try-timeout-ms')),
    };
    if (Object.values(h).some((v) => v !== undefined)) retryHeaders = h;
    // Consumed by Envoy's router too, though meshgate does not act on them.
    for (const name of UNHONOURED_ROUTER_HEADERS) headers.delete(name);
  }
  const result = await forward(action, target, {
    request: req,
    incoming,
    headers,
    pathAndQuery: `${upstreamPath}${query ? `?${query}` : ''}`,
    authority,
    scheme,
    host,
    edgePort: g.edgePort,
    sourceIp: g.clientIp ?? '',
    query,
    grpc: isGrpc(incoming.get('content-type')),
    ...(retryHeaders ? { retryHeaders } : {}),
    ...(timeoutOverride !== undefined ? { timeoutMs: timeoutOverride } : {}),
    retryBufferBytes: listener?.retryBufferBytes ?? g.retryBufferBytes,
    deniedMirrors,
  }, { clusters: cfg.clusters, env: g.env, rt, waitUntil: g.waitUntil, probe: g.probe });
  return finish(result.response, (h, status) => {
    if (result.upstreamMs !== undefined) h.set('x-envoy-upstream-service-time', String(Math.max(0, Math.round(result.upstreamMs))));
    applyHeaderOps(result.target?.responseHeaders ?? action.responseHeaders, h, input, g.clientIp, status);
    if (result.target) applyHeaderOps(action.responseHeaders, h, input, g.clientIp, status);
    if (action.cors) decorateResponse(action.cors, origin, h);
    if (result.setCookie) h.append('set-cookie', result.setCookie);
  });
}

export { isInternalCaller };

/** Router request headers Envoy consumes that meshgate does not act on (no hedging, retriable headers or alt response). */
const UNHONOURED_ROUTER_HEADERS = ['x-envoy-retriable-header-names', 'x-envoy-hedge-on-per-try-timeout', 'x-envoy-upstream-rq-timeout-alt-response'] as const;

/** A trusted request header's value, removed from the upstream request (Envoy's router consumes it). */
function take(incoming: HeaderBag, headers: HeaderBag, name: string): string | undefined {
  const raw = incoming.get(name);
  if (raw === null) return undefined;
  headers.delete(name);
  return raw;
}

/** Decimal digits only (Envoy's SimpleAtoi): an empty value, `1e3` or `0x10` is ignored. */
function digits(raw: string | undefined): number | undefined {
  return raw !== undefined && /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

function routeReplyHeaders(action: CompiledAction, h: Headers, input: MatchInput, clientIp: string | null, status: number, origin: string | null): void {
  applyHeaderOps(action.responseHeaders, h, input, clientIp, status);
  const cors = corsOf(action);
  if (cors) decorateResponse(cors, origin, h);
}

/**
 * The route's CORS policy as Envoy's CORS filter sees it: none on a direct-response or redirect
 * route, which has no route entry (cors_filter.cc decodeHeaders, RouteEntryImplBase::routeEntry).
 */
function corsOf(action: CompiledAction | undefined) {
  return action && !action.direct && !action.route.redirect ? action.cors : undefined;
}

/** Envoy hasGrpcContentType: `application/grpc`, `+…` or `;…` after it; grpc-web is not gRPC. */
function isGrpc(ct: string | null): boolean {
  if (ct === null || !ct.startsWith('application/grpc')) return false;
  const next = ct.charCodeAt(16);
  return ct.length === 16 || next === 0x2b || next === 0x3b;
}
