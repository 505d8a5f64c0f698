import type { Route } from '../../xds/resources/route.ts';
import { durationMs } from '../../xds/resources/common.ts';
import { FILTER } from '../../xds/filters/http-filters.ts';
import { compileHeaderOps, type HeaderOps } from './header-ops.ts';
import { compileRetry, type CompiledRetry } from './retry.ts';
import { compilePathRewrite, type PathRewrite } from './rewrite.ts';
import { compileHashPolicy, type CompiledHash } from './hash-policy.ts';
import { compileFault, type CompiledFault } from '../filters/fault.ts';
import { compileCors, type CompiledCors } from '../filters/cors.ts';
import { fractionOf } from '../filters/fraction.ts';
import { routeTimeouts, type RequestTimeouts } from './timeouts.ts';

// Everything a route needs per request, computed once per snapshot: weighted picks, header
// operations, retries, rewrites, mirrors, per-route filter configs.

export interface WeightedTarget {
  cluster: string;
  /** Cumulative weight upper bound for the pick. */
  upTo: number;
  requestHeaders: HeaderOps;
  responseHeaders: HeaderOps;
  hostRewrite?: string;
}

export interface CompiledAction {
  name: string;
  route: Route;
  targets: readonly WeightedTarget[];
  totalWeight: number;
  timeoutMs: number;
  /** max_grpc_timeout (0 = no cap); set ⇒ a gRPC caller's grpc-timeout is the route timeout. */
  maxGrpcTimeoutMs?: number;
  /** max_stream_duration: its grpc_timeout_header_max (0 = no cap) and max_stream_duration (0 = none). */
  grpcTimeoutHeaderMaxMs?: number;
  maxStreamDurationMs?: number;
  /** The timeouts of a request that is not gRPC and has no override (finalTimeouts). */
  timeouts: RequestTimeouts;
  retry?: CompiledRetry;
  rewrite?: PathRewrite;
  hostRewrite?: string;
  hash?: CompiledHash;
  /** `unsampled`: trace_sampled false (Istio's): the shadow's span is not sampled. */
  mirrors: readonly { cluster: string; fraction: number; hostSuffix?: string; unsampled: boolean }[];
  requestHeaders: HeaderOps;
  responseHeaders: HeaderOps;
  fault?: CompiledFault;
  cors?: CompiledCors;
  /** The virtual host's include_request_attempt_count: `x-envoy-attempt-count` on each attempt. */
  attemptCount: boolean;
  /** direct_response: status and body, decoded once (none for a null-body status). */
  direct?: { status: number; body: string | Uint8Array | null };
}

/** direct_response as the Worker can answer it: 200–599; a 204/205/304 body is dropped, as Envoy sends none. */
function compileDirect(route: Route, name: string): CompiledAction['direct'] {
  const d = route.direct_response;
  if (!d) return undefined;
  if (d.status < 200 || d.status > 599) throw new Error(`route ${name}: direct_response status ${d.status} cannot be answered (200–599)`);
  const nullBody = d.status === 204 || d.status === 205 || d.status === 304;
  let body: string | Uint8Array | null = d.body?.inline_string ?? null;
  if (d.body?.inline_bytes !== undefined) {
    try {
      body = Uint8Array.from(atob(d.body.inline_bytes), (c) => c.charCodeAt(0));
    } catch {
      throw new Error(`route ${name}: direct_response body.inline_bytes is not base64`);
    }
  }
  return { status: d.status, body: nullBody ? null : body };
}

export function compileAction(route: Route, vhostName: string, attemptCount = false): CompiledAction {
  const a = route.route;
  const name = route.name ?? `${vhostName}/${route.match.prefix ?? route.match.path ?? route.match.safe_regex?.regex ?? ''}`;
  const targets: WeightedTarget[] = [];
  let total = 0;
  if (a?.weighted_clusters) {
    for (const w of a.weighted_clusters.clusters) {
      if (w.weight <= 0) continue;
      total += w.weight;
      targets.push({
        cluster: w.name,
        upTo: total,
        requestHeaders: compileHeaderOps(w.request_headers_to_add, w.request_headers_to_remove),
        responseHeaders: compileHeaderOps(w.response_headers_to_add, w.response_headers_to_remove),
        ...(w.host_rewrite_literal ? { hostRewrite: w.host_rewrite_literal } : {}),
      });
    }
    if (!targets.length) throw new Error(`route ${name}: weighted_clusters has no cluster with weight > 0`);
  } else if (a?.cluster) {
    total = 1;
    targets.push({ cluster: a.cluster, upTo: 1, requestHeaders: compileHeaderOps(undefined, undefined), responseHeaders: compileHeaderOps(undefined, undefined) });
  }
  const perFilter = route.typed_per_filter_config ?? {};
  const timeoutMs = a?.timeout ? durationMs(a.timeout) : 0;
  const maxStreamDurationMs = a?.max_stream_duration?.max_stream_duration ? durationMs(a.max_stream_duration.max_stream_duration) : undefined;
  return {
    name,
    route,
    targets,
    totalWeight: total,
    timeoutMs,
    ...(a?.max_grpc_timeout !== undefined ? { maxGrpcTimeoutMs: durationMs(a.max_grpc_timeout) } : {}),
    ...(a?.max_stream_duration?.grpc_timeout_header_max !== undefined ? { grpcTimeoutHeaderMaxMs: durationMs(a.max_stream_duration.grpc_timeout_header_max) } : {}),
    ...(maxStreamDurationMs !== undefined ? { maxStreamDurationMs } : {}),
    timeouts: routeTimeouts(timeoutMs, maxStreamDurationMs),
    retry: compileRetry(a?.retry_policy),
    rewrite: compilePathRewrite(route),
    hostRewrite: a?.host_rewrite_literal,
    hash: compileHashPolicy(a?.hash_policy),
    mirrors: (a?.request_mirror_policies ?? []).map((m) => ({ cluster: m.cluster, fraction: fractionOf(m.runtime_fraction?.default_value, 1), unsampled: m.trace_sampled === false, ...(m['meshgate.host_suffix'] ? { hostSuffix: m['meshgate.host_suffix'] } : {}) })),
    requestHeaders: compileHeaderOps(route.request_headers_to_add, route.request_headers_to_remove),
    responseHeaders: compileHeaderOps(route.response_headers_to_add, route.response_headers_to_remove),
    attemptCount,
    ...(perFilter[FILTER.fault] ? { fault: compileFault(perFilter[FILTER.fault]) } : {}),
    ...(perFilter[FILTER.cors] ? { cors: compileCors(perFilter[FILTER.cors]) } : {}),
    ...(route.direct_response ? { direct: compileDirect(route, name) } : {}),
  };
}

/** Weighted cluster pick (Envoy: uniform draw over the summed weights). */
export function pickTarget(a: CompiledAction, random: number): WeightedTarget | undefined {
  if (a.targets.length <= 1) return a.targets[0];
  const x = random * a.totalWeight;
  for (const t of a.targets) if (x < t.upTo) return t;
  return a.targets[a.targets.length - 1];
}
