import { describe, expect, test } from 'vitest';
import { backoffMs, compileRetry, retriable, type AttemptOutcome } from '../../../../src/gateway/router/retry.ts';
import { testRuntime } from '../../../../src/gateway/runtime.ts';

// Envoy's retry_on conditions against attempt outcomes
// (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/router_filter#x-envoy-retry-on).
const policy = (retryOn: string, codes?: number[]) => compileRetry({ num_retries: 2, retry_on: retryOn, ...(codes ? { retriable_status_codes: codes } : {}) })!;
const outcomes: Record<string, AttemptOutcome> = {
  'connect-failure': { kind: 'connect-failure' },
  reset: { kind: 'reset' },
  timeout: { kind: 'timeout' },
  '503': { kind: 'response', status: 503 },
  '500': { kind: 'response', status: 500 },
  '409': { kind: 'response', status: 409 },
  '200': { kind: 'response', status: 200 },
  'grpc 14': { kind: 'response', status: 200, grpcStatus: '14' },
  '429 x-envoy-ratelimited': { kind: 'response', status: 429, rateLimited: true },
};
const retried = (retryOn: string, codes?: number[]) => Object.keys(outcomes).filter((k) => retriable(policy(retryOn, codes), outcomes[k]!)).sort();

describe('retry_on', () => {
  test.each([
    ['5xx', ['connect-failure', 'reset', 'timeout', '503', '500']],
    ['gateway-error', ['connect-failure', 'reset', 'timeout', '503']],
    ['reset', ['connect-failure', 'reset', 'timeout']],
    ['connect-failure', ['connect-failure']],
    ['retriable-4xx', ['409']],
    ['unavailable', ['grpc 14']],
    ['envoy-ratelimited', ['429 x-envoy-ratelimited']],
    // Workers cannot see an HTTP/2 REFUSED_STREAM; the nearest case, a request that never
    // reached the server, is a connect failure (a decision, docs/gateway.md).
    ['refused-stream', ['connect-failure']],
  ])('%s', (retryOn, expected) => {
    expect(retried(retryOn)).toEqual([...expected].sort());
  });

  test('retriable-status-codes with its list', () => {
    expect(retried('retriable-status-codes', [500, 409])).toEqual(['409', '500']);
  });
});

test('an answer carrying x-envoy-ratelimited is retried under envoy-ratelimited only (Envoy wouldRetryFromHeaders)', () => {
  const limited: AttemptOutcome = { kind: 'response', status: 503, rateLimited: true };
  expect(retriable(policy('5xx,gateway-error,retriable-status-codes', [503]), limited)).toBe(false);
  expect(retriable(policy('envoy-ratelimited'), limited)).toBe(true);
  expect(retriable(policy('5xx'), { kind: 'response', status: 503 })).toBe(true);
});

test('backoff: uniform below base × 2^(n-1), the interval capped at max (Envoy JitteredExponentialBackOffStrategy)', () => {
  const r = policy('5xx');
  const rt = testRuntime(11);
  const ceilings = [1, 2, 3, 4, 5, 6].map((n) => Math.max(...Array.from({ length: 400 }, () => backoffMs(r, n, rt))));
  // Under 25, 50, 100, 200, 250, 250 ms (base 25 ms, max 10 × base); 400 draws come within 5% of each.
  const expected = [25, 50, 100, 200, 250, 250];
  ceilings.forEach((c, i) => {
    expect(c).toBeLessThan(expected[i]!);
    expect(c).toBeGreaterThanOrEqual(expected[i]! * 0.95 - 1);
  });
});
