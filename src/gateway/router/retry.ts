import type { RetryPolicy } from '../../xds/resources/route.ts';
import { durationMs } from '../../xds/resources/common.ts';
import type { Runtime } from '../runtime.ts';

// Envoy's router retries: retry_on conditions, retriable status codes, per-try timeout,
// exponential backoff with full jitter from 25 ms, capped at 10× base.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on

export interface CompiledRetry {
  numRetries: number;
  on: ReadonlySet<string>;
  statusCodes: ReadonlySet<number>;
  perTryTimeoutMs: number;
  baseMs: number;
  maxMs: number;
  previousHosts: boolean;
  /** A gRPC condition (`unavailable`, `cancelled`, …) is on: responses' `grpc-status` matters. */
  grpc: boolean;
}

export function compileRetry(p: RetryPolicy | undefined): CompiledRetry | undefined {
  if (!p || p.num_retries <= 0) return undefined;
  const baseMs = p.retry_back_off ? durationMs(p.retry_back_off.base_interval) : 25;
  const on = new Set(p.retry_on.split(',').map((s) => s.trim()).filter(Boolean));
  return {
    numRetries: p.num_retries,
    on,
    statusCodes: new Set(p.retriable_status_codes ?? []),
    perTryTimeoutMs: p.per_try_timeout ? durationMs(p.per_try_timeout) : 0,
    baseMs,
    maxMs: p.retry_back_off?.max_interval ? durationMs(p.retry_back_off.max_interval) : baseMs * 10,
    previousHosts: (p.retry_host_predicate ?? []).some((h) => h.name === 'envoy.retry_host_predicates.previous_hosts'),
    grpc: Object.keys(GRPC_ON).some((name) => on.has(name)),
  };
}

/** Retry settings a trusted caller sent (Envoy's x-envoy-* request headers), already consumed. */
export interface RetryHeaders {
  retryOn?: string;
  grpcRetryOn?: string;
  statusCodes?: string;
  maxRetries?: number;
  perTryTimeoutMs?: number;
}

const HTTP_ON = new Set(['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx', 'refused-stream', 'retriable-status-codes']);

/**
 * The route's policy with a trusted caller's retry headers merged in, as Envoy's RetryStateImpl
 * does: `x-envoy-retry-on` / `x-envoy-retry-grpc-on` add conditions (unknown names ignored),
 * `x-envoy-retriable-status-codes` adds codes, `x-envoy-max-retries` sets the count and
 * `x-envoy-upstream-rq-per-try-timeout-ms` the per-try timeout. Conditions asked for on a route
 * without a policy get Envoy's default of one retry. Per request, only when such headers came.
 */
export function withRetryHeaders(base: CompiledRetry | undefined, h: RetryHeaders): CompiledRetry | undefined {
  const split = (v: string | undefined, known: (x: string) => boolean) => (v ?? '').split(',').map((x) => x.trim()).filter(known);
  const extraOn = [...split(h.retryOn, (x) => HTTP_ON.has(x)), ...split(h.grpcRetryOn, (x) => x in GRPC_ON)];
  const codes = split(h.statusCodes, (x) => /^\d{3}$/.test(x)).map(Number);
  if (!base && !extraOn.length && h.perTryTimeoutMs === undefined) return undefined;
  // No route policy: Envoy's defaults (one retry, 25 ms backoff), as compileRetry gives them.
  const r: CompiledRetry = base ?? { ...compileRetry({ num_retries: 1, retry_on: '' })!, numRetries: extraOn.length ? 1 : 0 };
  const on = extraOn.length ? new Set([...r.on, ...extraOn]) : r.on;
  return {
    ...r,
    on,
    statusCodes: codes.length ? new Set([...r.statusCodes, ...codes]) : r.statusCodes,
    ...(h.maxRetries !== undefined ? { numRetries: h.maxRetries } : {}),
    ...(h.perTryTimeoutMs !== undefined ? { perTryTimeoutMs: h.perTryTimeoutMs } : {}),
    grpc: Object.keys(GRPC_ON).some((name) => on.has(name)),
  };
}

export type AttemptOutcome =
  /**
   * `grpcStatus` is read from the response only when the retry policy has a gRPC condition;
   * `rateLimited`: the response carries `x-envoy-ratelimited`.
   */
  | { kind: 'response'; status: number; grpcStatus?: string; rateLimited?: boolean }
  | { kind: 'connect-failure' }
  | { kind: 'reset' }
  | { kind: 'timeout' };

const GRPC_ON: Record<string, string> = { cancelled: '1', 'deadline-exceeded': '4', 'resource-exhausted': '8', internal: '13', unavailable: '14' };

/** Should this outcome be retried under the policy? */
export function retriable(r: CompiledRetry, o: AttemptOutcome): boolean {
  const on = r.on;
  switch (o.kind) {
    case 'connect-failure':
      return on.has('connect-failure') || on.has('5xx') || on.has('gateway-error') || on.has('reset') || on.has('refused-stream') || on.has('reset-before-request');
    case 'reset':
      return on.has('reset') || on.has('5xx') || on.has('gateway-error');
    case 'timeout':
      // A per-try timeout is retried under 5xx / gateway-error (Envoy counts it as a 504) and
      // under reset ("does not respond at all (disconnect/reset/read timeout)").
      return on.has('5xx') || on.has('gateway-error') || on.has('reset');
    case 'response': {
      // An answer carrying x-envoy-ratelimited is retried under envoy-ratelimited only, whatever
      // else is on (RetryStateImpl::wouldRetryFromHeaders).
      if (o.rateLimited) return on.has('envoy-ratelimited');
      const s = o.status;
      if (on.has('5xx') && s >= 500) return true;
      if (on.has('gateway-error') && (s === 502 || s === 503 || s === 504)) return true;
      if (on.has('retriable-4xx') && s === 409) return true;
      if (on.has('retriable-status-codes') && r.statusCodes.has(s)) return true;
      if (o.grpcStatus !== undefined) for (const [name, code] of Object.entries(GRPC_ON)) if (on.has(name) && o.grpcStatus === code) return true;
      return false;
    }
  }
}

/**
 * Backoff before retry number `n` (1-based): uniform in [0, 2^(n-1) × base), the interval capped
 * at max_interval. This is Envoy's code (JitteredExponentialBackOffStrategy: `random % interval`,
 * the interval doubling from base); its docs' (2^N − 1) × base overstates each step.
 */
export function backoffMs(r: CompiledRetry, n: number, rt: Runtime): number {
  const ceiling = Math.min(r.maxMs, 2 ** (n - 1) * r.baseMs);
  return Math.floor(rt.random() * ceiling);
}
