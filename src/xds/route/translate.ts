import type { HTTPMatchRequest, HTTPRoute } from '../../config/kinds/networking/virtual-service.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import { parseClusterName, type ClusterRef } from '../cluster-name.ts';
import { FILTER } from '../filters/http-filters.ts';
import { jwtAuthnPerRoute } from '../security/jwt-authn.ts';
import { normalizeGatewayName } from '../gateway-binding.ts';
import type { PushContext, VirtualService } from '../push-context.ts';
import type { Node } from '../protocol.ts';
import { msToDuration, type TypedConfig } from '../resources/common.ts';
import type { ClusterWeight, HashPolicy, Route, RouteAction } from '../resources/route.ts';
import { isCatchAll } from './catch-all.ts';
import { translateCors } from './cors.ts';
import { effectiveHttpRoutes } from './delegate.ts';
import { hashPolicyFor, resolveDestination } from './destination.ts';
import { translateFault } from './fault.ts';
import { appendHeaderOperations, translateHeaderOperations } from './headers.ts';
import { translateRouteMatch } from './match.ts';
import { mirrorPolicies } from './mirror.ts';
import { translateDirectResponse, translateRedirect } from './redirect.ts';
import { convertRetryPolicy } from './retry.ts';
import { destinationAuthorization } from '../security/authz/destination.ts';

// HTTPRoute → Envoy routes for a gateway route table (Istio pilot/pkg/networking/core/route/
// route.go BuildHTTPRoutesForVirtualService, TranslateRoute, applyHTTPRouteDestination).
// Each match entry becomes one route with the same action, in order; a route without match is a
// catch-all and nothing after a catch-all can match, so translation of the VirtualService stops.

export interface RouteTranslation {
  push: PushContext;
  /** Every cluster a route names (destinations and mirrors), collected while translating. */
  clusters: Map<string, ClusterRef>;
  warnings: string[];
  /** The proxy the routes are for: its namespace and labels select DestinationRules (workloadSelector). */
  proxy?: Pick<Node, 'namespace' | 'labels'>;
}

export interface RouteTarget {
  vs: VirtualService;
  /** The listener (gateway server) port the routes are generated for. */
  port: number;
  /** `ns/name` of the gateways this virtual host is generated for (per-match `gateways` filter). */
  gateways: ReadonlySet<string>;
}

export function translateHttpRoutes(tx: RouteTranslation, target: RouteTarget): Route[] {
  const { vs } = target;
  const out: Route[] = [];
  for (const http of effectiveHttpRoutes(tx, vs)) {
    if (!http.match?.length) {
      const r = translateRoute(tx, target, http, undefined);
      if (r) out.push(r);
      break;
    }
    let catchAll = false;
    for (const match of http.match) {
      if (!matchApplies(match, target, tx.proxy)) continue;
      const r = translateRoute(tx, target, http, match);
      if (!r) continue;
      out.push(r);
      if (isCatchAll(r)) {
        catchAll = true;
        break;
      }
    }
    if (catchAll) break;
  }
  return out;
}

/**
 * Port and source selectors of one match (route.go sourceMatchHTTP): its own `gateways` when it
 * has them; otherwise `sourceLabels` must all be on the proxy the routes are built for (a
 * gateway's own routes: the gateway itself) and `sourceNamespace` must be its namespace.
 */
function matchApplies(m: HTTPMatchRequest, target: RouteTarget, proxy: RouteTranslation['proxy']): boolean {
  if (m.port && m.port !== target.port) return false;
  if (m.gateways?.length) return m.gateways.some((g) => target.gateways.has(normalizeGatewayName(g, target.vs.metadata.namespace)));
  // `mesh` routes stand for the calling workload's sidecar (the egress gateway runs them for any
  // caller): a selector on the caller cannot be honoured there, so such a match never applies.
  if (target.gateways.has('mesh')) return !Object.keys(m.sourceLabels ?? {}).length && !m.sourceNamespace;
  const labels = proxy?.labels ?? {};
  if (!Object.entries(m.sourceLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return !m.sourceNamespace || m.sourceNamespace === proxy?.namespace;
}

const configPath = (vs: VirtualService) => `/apis/networking.istio.io/v1alpha3/namespaces/${vs.metadata.namespace}/virtual-service/${vs.metadata.name}`;

function translateRoute(tx: RouteTranslation, target: RouteTarget, http: HTTPRoute, match: HTTPMatchRequest | undefined): Route | undefined {
  const { vs } = target;
  const name = match?.name ? `${http.name ?? ''}.${match.name}` : http.name;
  const where = `VirtualService ${vs.metadata.namespace}/${vs.metadata.name} route ${name || '(unnamed)'}`;
  const out: Route = {
    ...(name ? { name } : {}),
    match: translateRouteMatch(match),
    metadata: { filter_metadata: { istio: { config: configPath(vs) } } },
  };
  const ops = http.headers ? translateHeaderOperations(http.headers) : undefined;
  if (ops) appendHeaderOperations(out, ops);

  if (http.redirect) {
    const redirect = translateRedirect(http.redirect, target.port, isTLSPort(tx, target));
    if (!redirect) return skip(tx, `${where}: redirect code ${http.redirect.redirectCode} is not supported by Envoy; route dropped`);
    out.redirect = redirect;
  } else if (http.directResponse) {
    if (http.directResponse.status > 599) return skip(tx, `${where}: direct response status ${http.directResponse.status} cannot be sent; route dropped`);
    out.direct_response = translateDirectResponse(http.directResponse);
  } else {
    const action = routeAction(tx, target, http, out, ops?.authority ?? '');
    if (!action) return skip(tx, `${where}: no destination with a weight above 0; route dropped`);
    out.route = action;
  }
  out.decorator = { operation: routeOperation(out, vs.metadata.name, target.port) };

  // Destination-scoped AuthorizationPolicies and RequestAuthentications (docs/security.md), enforced per route.
  const perFilter: Record<string, TypedConfig> = { ...destinationAuthorization(tx, target, http), ...(out.route ? jwtAuthnPerRoute(tx.push, vs, http, tx.proxy) : {}) };
  if (http.fault) {
    const fault = translateFault(http.fault);
    if (fault) perFilter[FILTER.fault] = fault;
    else skip(tx, `${where}: fault has neither a fixed delay nor an HTTP/gRPC abort; ignored`);
  }
  if (http.corsPolicy) perFilter[FILTER.cors] = translateCors(http.corsPolicy);
  if (Object.keys(perFilter).length) out.typed_per_filter_config = perFilter;
  return out;
}

function skip(tx: RouteTranslation, message: string): undefined {
  if (!tx.warnings.includes(message)) tx.warnings.push(message);
  return undefined;
}

/** Istio builds redirects knowing whether the server terminates TLS (default scheme, port elision). */
function isTLSPort(tx: RouteTranslation, target: RouteTarget): boolean {
  return tx.push.gateways.some(
    (g) => target.gateways.has(`${g.metadata.namespace}/${g.metadata.name}`) && g.spec.servers.some((s) => s.port.number === target.port && s.port.protocol.toUpperCase() === 'HTTPS'),
  );
}

function routeAction(tx: RouteTranslation, target: RouteTarget, http: HTTPRoute, out: Route, routeAuthority: string): RouteAction | undefined {
  const ns = target.vs.metadata.namespace;
  const timeoutMs = http.timeout !== undefined ? parseDuration(http.timeout) : undefined;
  const rw = http.rewrite;
  // rewrite.authority beats an authority set through headers; both beat destination-level ones.
  const authority = rw?.authority || routeAuthority;
  let hostRewrite = authority || undefined;
  const hashPolicies: HashPolicy[] = [];

  // One destination (or one left after dropping weight-0 ones) is a plain cluster; its header
  // operations append after the route's (Istio processDestination).
  const dests = http.route ?? [];
  const live = dests.length === 1 ? dests : dests.filter((d) => (d.weight ?? 0) > 0);
  if (!live.length) return undefined;
  let cluster: string | undefined;
  let weighted: ClusterWeight[] | undefined;
  if (live.length === 1) {
    const d = live[0]!;
    const rd = resolveDestination(tx, target, d.destination, ns);
    cluster = rd.name;
    if (d.headers) {
      const dOps = translateHeaderOperations(d.headers);
      appendHeaderOperations(out, dOps);
      if (!hostRewrite && dOps.authority) hostRewrite = dOps.authority;
    }
    const hash = hashPolicyFor(tx, rd);
    if (hash) hashPolicies.push(hash);
  } else {
    // Weighted: destination operations ride on the cluster entry (processWeightedDestination).
    // A route-level authority wins (reference §3.6), so the entry's is left out then rather
    // than leaving the precedence to the data plane.
    weighted = live.map((d) => {
      const rd = resolveDestination(tx, target, d.destination, ns);
      const entry: ClusterWeight = { name: rd.name, weight: d.weight ?? 0 };
      if (d.headers) {
        const dOps = translateHeaderOperations(d.headers);
        appendHeaderOperations(entry, dOps);
        if (dOps.authority && !hostRewrite) entry.host_rewrite_literal = dOps.authority;
      }
      const hash = hashPolicyFor(tx, rd);
      if (hash) hashPolicies.push(hash);
      return entry;
    });
  }
  const mirrors = mirrorPolicies(tx, target, http, ns);
  // Istio drops the previous-hosts predicate only for a single hashed destination.
  const retry = convertRetryPolicy(http.retries ?? tx.push.mesh.defaultHttpRetryPolicy, cluster !== undefined && hashPolicies.length > 0);
  return {
    ...(cluster !== undefined ? { cluster } : { weighted_clusters: { clusters: weighted! } }),
    cluster_not_found_response_code: 'SERVICE_UNAVAILABLE',
    ...routeTimeouts(timeoutMs),
    ...(retry ? { retry_policy: retry } : {}),
    ...(rw?.uriRegexRewrite ? { regex_rewrite: { pattern: { regex: rw.uriRegexRewrite.match }, substitution: rw.uriRegexRewrite.rewrite } } : {}),
    // Envoy: prefix_rewrite replaces the matched prefix of a prefix route and the whole path of
    // a path or safe_regex route, which is Istio's `rewrite.uri` for exact and regex matches.
    ...(rw?.uri && !rw.uriRegexRewrite ? { prefix_rewrite: rw.uri } : {}),
    ...(hostRewrite ? { host_rewrite_literal: hostRewrite } : {}),
    ...(hashPolicies.length ? { hash_policy: hashPolicies } : {}),
    ...(mirrors.length ? { request_mirror_policies: mirrors } : {}),
  };
}

/** Trace operation (route.go GetRouteOperation): `host:port/path` for one cluster, else `vs:port/path`. */
function routeOperation(r: Route, vsName: string, port: number): string {
  const m = r.match;
  const path = m.prefix !== undefined ? `${m.prefix}*` : m.path !== undefined ? m.path : m.safe_regex ? m.safe_regex.regex : '/*';
  const ref = r.route?.cluster ? parseClusterName(r.route.cluster) : undefined;
  return ref ? `${ref.host}:${ref.port}${path}` : `${vsName}:${port}${path}`;
}

/**
 * Istio setTimeout for gateway and sidecar routes: the route timeout (none by default) and
 * `max_grpc_timeout` equal to it, so a gRPC caller's `grpc-timeout` is the timeout, capped by the
 * route's (0s: uncapped). (Only proxyless gRPC and inbound routes get `max_stream_duration`.)
 */
export function routeTimeouts(timeoutMs: number | undefined): Pick<RouteAction, 'timeout' | 'max_grpc_timeout'> {
  const t = msToDuration(timeoutMs ?? 0);
  return { timeout: t, max_grpc_timeout: t };
}
