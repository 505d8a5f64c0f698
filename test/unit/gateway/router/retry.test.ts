import { describe, expect, test } from 'vitest';
import { compileRetry, retriable, type AttemptOutcome } from '../../../../src/gateway/router/retry.ts';

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
