import { describe, expect, test } from 'vitest';
import { expectedTimeoutMs, finalTimeouts, formatGrpcTimeout, parseGrpcTimeout, routeTimeouts } from '../../../../src/gateway/router/timeouts.ts';
import type { CompiledAction } from '../../../../src/gateway/router/compile-action.ts';

// Envoy router.cc FilterUtility::finalTimeout / setTimeoutHeaders, conn_manager_impl.cc
// refreshDurationTimeout, grpc/common.cc getGrpcTimeout / toGrpcTimeout.

describe('grpc-timeout', () => {
  test('parsed to ms in every unit; sub-ms rounds up; malformed is none', () => {
    expect(['1H', '2M', '3S', '250m', '1500u', '1n', '99999999m'].map(parseGrpcTimeout)).toEqual([3_600_000, 120_000, 3_000, 250, 2, 1, 99_999_999]);
    expect(['', '100', '123456789m', '1.5S', '-1S', '10s', 'm'].map(parseGrpcTimeout)).toEqual(Array(7).fill(undefined));
    expect(parseGrpcTimeout(null)).toBeUndefined();
  });

  test('formatted in the coarsest unit that fits 8 digits', () => {
    expect([250, 99_999_999, 100_000_000, 6_000_000_000_000, 6e15].map(formatGrpcTimeout)).toEqual(['250m', '99999999m', '100000S', '1666666H', '99999999H']);
  });
});

const action = (a: Partial<CompiledAction>) => ({ timeoutMs: 0, ...a, timeouts: routeTimeouts(a.timeoutMs ?? 0, a.maxStreamDurationMs) }) as CompiledAction;

describe('finalTimeouts', () => {
  test('max_grpc_timeout: grpc-timeout is the global timeout, capped; 0 = no cap; no header ⇒ the cap', () => {
    const withTimeout = action({ timeoutMs: 2000, maxGrpcTimeoutMs: 2000 });
    expect(finalTimeouts(withTimeout, true, '500m')).toEqual({ globalMs: 500, streamMs: 0, rewriteGrpcTimeout: true });
    expect(finalTimeouts(withTimeout, true, '5S').globalMs).toBe(2000);
    expect(finalTimeouts(withTimeout, true, null).globalMs).toBe(2000);
    expect(finalTimeouts(action({ maxGrpcTimeoutMs: 0 }), true, '5S').globalMs).toBe(5000);
    // Not gRPC: the route timeout, untouched.
    expect(finalTimeouts(withTimeout, false, '500m')).toEqual({ globalMs: 2000, streamMs: 0, rewriteGrpcTimeout: false });
    // A trusted x-envoy-upstream-rq-timeout-ms replaces the global timeout.
    expect(finalTimeouts(withTimeout, true, '500m', 50).globalMs).toBe(50);
  });

  test('max_stream_duration with grpc_timeout_header_max: grpc-timeout bounds the stream (capped unless 0)', () => {
    const none = action({ grpcTimeoutHeaderMaxMs: 0, maxStreamDurationMs: 0 });
    expect(finalTimeouts(none, true, '150m')).toEqual({ globalMs: 0, streamMs: 150, rewriteGrpcTimeout: false });
    expect(finalTimeouts(none, true, null).streamMs).toBe(0);
    expect(finalTimeouts(none, false, '150m').streamMs).toBe(0);
    expect(finalTimeouts(action({ grpcTimeoutHeaderMaxMs: 100 }), true, '150m').streamMs).toBe(100);
    expect(finalTimeouts(action({ maxStreamDurationMs: 700 }), false, null).streamMs).toBe(700);
  });
});

test('expected timeout: per-try, else global, never past what is left; 0 ⇒ none', () => {
  expect(expectedTimeoutMs(undefined, 3000, 0)).toBe(3000);
  expect(expectedTimeoutMs(1000, 3000, 0)).toBe(1000);
  expect(expectedTimeoutMs(1000, 3000, 2500)).toBe(500);
  expect(expectedTimeoutMs(1000, 3000, 3200)).toBe(1);
  expect(expectedTimeoutMs(1000, 0, 5000)).toBe(1000);
  expect(expectedTimeoutMs(undefined, 0, 0)).toBe(0);
});
