import type { CompiledAction } from './compile-action.ts';

// The timeouts of one request, as Envoy's router settles them (router.cc FilterUtility::finalTimeout,
// setTimeoutHeaders; http/conn_manager_impl.cc refreshDurationTimeout). Istio's gateway routes
// carry `max_grpc_timeout` equal to the route timeout (route.go setTimeout), which makes a gRPC
// caller's `grpc-timeout` the route timeout, capped by it (0s: uncapped). `max_stream_duration`
// with `grpc_timeout_header_max` (Istio: proxyless gRPC and inbound only) makes `grpc-timeout`
// bound the whole stream instead.

/** A non-gRPC request's timeouts on a route, settled at compile time. */
export function routeTimeouts(timeoutMs: number, maxStreamDurationMs: number | undefined): RequestTimeouts {
  return { globalMs: timeoutMs, streamMs: maxStreamDurationMs ?? 0, rewriteGrpcTimeout: false };
}

export interface RequestTimeouts {
  /** The route (global) timeout in ms; 0 = none. Its expiry is a 504 `upstream request timeout`. */
  globalMs: number;
  /** The stream's maximum duration in ms; 0 = none. Its expiry is a 408 `downstream duration timeout`. */
  streamMs: number;
  /** Rewrite the upstream `grpc-timeout` to the expected timeout (max_grpc_timeout routes). */
  rewriteGrpcTimeout: boolean;
}

const UNIT_MS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1_000, m: 1, u: 1e-3, n: 1e-6 };

/**
 * A `grpc-timeout` header in ms (gRPC over HTTP/2: up to 8 digits and a unit), rounded up so a
 * sub-millisecond timeout is not "none"; undefined when absent or malformed (Envoy getGrpcTimeout).
 */
export function parseGrpcTimeout(value: string | null): number | undefined {
  if (value === null || !/^\d{1,8}[HMSmun]$/.test(value)) return undefined;
  return Math.ceil(Number(value.slice(0, -1)) * UNIT_MS[value.at(-1)!]!);
}

/** Milliseconds as a `grpc-timeout` value, in the coarsest unit needed to fit 8 digits (Envoy toGrpcTimeout). */
export function formatGrpcTimeout(ms: number): string {
  const MAX = 99_999_999;
  let t = Math.floor(ms);
  let unit = 'm';
  for (const [next, div] of [['S', 1000], ['M', 60], ['H', 60]] as const) {
    if (t <= MAX) break;
    t = Math.floor(t / div);
    unit = next;
  }
  return `${Math.min(t, MAX)}${unit}`;
}

/** `overrideMs`: a trusted `x-envoy-upstream-rq-timeout-ms`, which replaces the global timeout. */
export function finalTimeouts(action: CompiledAction, grpc: boolean, grpcTimeoutHeader: string | null, overrideMs?: number): RequestTimeouts {
  // The common case (not gRPC, no override) was settled when the route compiled.
  if (!grpc && overrideMs === undefined) return action.timeouts;
  const header = grpc ? parseGrpcTimeout(grpcTimeoutHeader) : undefined;
  let globalMs = action.timeoutMs;
  if (grpc && action.maxGrpcTimeoutMs !== undefined) {
    // The caller's deadline, capped by max_grpc_timeout (0 = no cap); none sent and no cap = none.
    const max = action.maxGrpcTimeoutMs;
    let g = header ?? 0;
    if (max !== 0 && (g === 0 || g > max)) g = max;
    globalMs = g;
  }
  if (overrideMs !== undefined) globalMs = overrideMs;
  let streamMs = 0;
  if (header !== undefined && action.grpcTimeoutHeaderMaxMs !== undefined) {
    const max = action.grpcTimeoutHeaderMaxMs;
    streamMs = max !== 0 && header > max ? max : header;
  } else if (action.maxStreamDurationMs !== undefined) {
    streamMs = action.maxStreamDurationMs;
  }
  return { globalMs, streamMs, rewriteGrpcTimeout: grpc && action.maxGrpcTimeoutMs !== undefined };
}

/**
 * What the upstream is told it has (x-envoy-expected-rq-timeout-ms, and grpc-timeout where
 * rewritten): the per-try timeout, else the global one, never past what is left of the global
 * one; 0 = unbounded (no header).
 */
export function expectedTimeoutMs(perTryMs: number | undefined, globalMs: number, elapsedMs: number): number {
  let expected = perTryMs || globalMs;
  if (expected > 0 && globalMs > 0) expected = elapsedMs >= globalMs ? 1 : Math.min(expected, globalMs - elapsedMs);
  return Math.floor(expected);
}
