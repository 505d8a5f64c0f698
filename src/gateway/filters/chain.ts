import type { HttpFilter } from '../../xds/resources/listener.ts';
import type { Runtime } from '../runtime.ts';
import type { Route } from '../../xds/resources/route.ts';
import type { HeaderBag } from '../http/header-map.ts';

// Listener-level HTTP filters (jwt_authn, ext_authz, rbac, peer authentication, …): each has a
// compile half (once per snapshot, from its typed_config) and a request half (per request, no
// parsing). Filters run in the listener's order; one that answers stops the chain (local reply).
// Per-route filters (cors, fault) are compiled with the route instead (router/compile-action.ts).

/** What a filter sees of the request; everything parsed once by the pipeline. */
export interface FilterContext {
  request: Request;
  /** Headers that go upstream; filters may add or remove (e.g. strip a JWT, set claim headers). */
  headers: HeaderBag;
  /** Normalized path without query: the path routing and authorization judge. */
  path: string;
  query: string;
  method: string;
  scheme: 'http' | 'https';
  /** Host/:authority as sent (with any port). */
  authority: string;
  /** Edge port the request arrived on. */
  port: number;
  clientIp: string | null;
  /**
   * False when `request.cf` may come from a Worker calling over a service binding rather than from
   * Cloudflare's edge (the egress gateway): a certificate it reports is then no identity.
   */
  cfFromEdge?: boolean;
  /** Verified peer identity (SPIFFE) from mTLS, when there is one. */
  peer?: { principal: string; namespace?: string; serviceAccount?: string; trustDomain?: string };
  /**
   * Dynamic metadata, as Envoy's: e.g. `istio_authn` → `{ 'request.auth.principal', 'request.auth.claims', … }`.
   * Route matchers on JWT claims read it.
   */
  metadata: Record<string, Record<string, unknown>>;
  env: Record<string, unknown>;
  /** The matched route, if any (destination-scoped authorization reads its typed_per_filter_config). */
  route?: Route;
  /**
   * Fixes the route as it matches now: what filters change afterwards (a destination's claim
   * headers, a token it takes out of the query) no longer selects another one.
   */
  pinRoute?(): void;
  /**
   * The path and authority the matched route sends upstream (after its `rewrite`): what the
   * destination receives, so what destination-scoped authorization judges.
   */
  readonly routed?: { path: string; authority: string } | undefined;
  /** Mirror clusters whose destination's policies deny this request: those copies are not sent. */
  deniedMirrors?: Set<string>;
  rt: Runtime;
  waitUntil: (p: Promise<unknown>) => void;
}

export interface CompiledHttpFilter {
  readonly name: string;
  /** A Response stops the chain (local reply); undefined continues. */
  onRequest(ctx: FilterContext): Response | undefined | Promise<Response | undefined>;
}

export type FilterCompiler = (typedConfig: Record<string, unknown>) => CompiledHttpFilter | undefined;

const compilers = new Map<string, FilterCompiler>();

/** Registers the compile half of a listener filter by its Envoy name (e.g. `envoy.filters.http.rbac`). */
export function registerHttpFilter(name: string, compile: FilterCompiler): void {
  compilers.set(name, compile);
}

/** Per-route filters and the router are handled elsewhere; unknown filters are a compile error (NACK). */
const HANDLED_ELSEWHERE = new Set(['envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);

export function compileHttpFilters(filters: readonly HttpFilter[]): CompiledHttpFilter[] {
  const out: CompiledHttpFilter[] = [];
  for (const f of filters) {
    if (HANDLED_ELSEWHERE.has(f.name)) continue;
    const compile = compilers.get(f.name);
    if (!compile) throw new Error(`HTTP filter ${f.name} is not supported by this gateway`);
    const compiled = compile((f.typed_config ?? {}) as Record<string, unknown>);
    if (compiled) out.push(compiled);
  }
  return out;
}

/** Runs the chain; stays synchronous (no promise) while every filter answers synchronously. */
export function runFilters(filters: readonly CompiledHttpFilter[], ctx: FilterContext, from = 0): Response | undefined | Promise<Response | undefined> {
  for (let i = from; i < filters.length; i++) {
    const res = filters[i]!.onRequest(ctx);
    if (res instanceof Promise) return res.then((r) => r ?? runFilters(filters, ctx, i + 1));
    if (res) return res;
  }
  return undefined;
}
