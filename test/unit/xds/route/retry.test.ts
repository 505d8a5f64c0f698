import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY, meshConfig, translate } from './helpers.ts';

// HTTPRetry → RetryPolicy (Istio route/retry/retry.go ConvertPolicy).

const retryOf = (retries: string, extra = '') =>
  translate(`  - ${retries ? `retries: ${retries}\n    ` : ''}route: [{destination: {host: a.example.com}}]`, extra).routes[0]!.route!.retry_policy;

describe('retry policy', () => {
  test('unset: the built-in default — 2 retries, no retriable status codes (503 not retried)', () => {
    expect(retryOf('')).toEqual({
      retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
      num_retries: 2,
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
      host_selection_retry_max_attempts: '5',
    });
  });

  test('attempts: 0 disables retries', () => {
    expect(retryOf('{attempts: 0}')).toBeUndefined();
  });

  test('attempts without retryOn keep the default retryOn', () => {
    expect(retryOf('{attempts: 5}')).toEqual({ ...DEFAULT_RETRY, num_retries: 5 });
  });

  test('numeric retryOn tokens become retriable_status_codes and add retriable-status-codes', () => {
    expect(retryOf('{attempts: 3, retryOn: "gateway-error,503,429,reset", perTryTimeout: 2s, backoff: 100ms}')).toEqual({
      retry_on: 'gateway-error,reset,retriable-status-codes',
      num_retries: 3,
      per_try_timeout: '2s',
      retriable_status_codes: [503, 429],
      retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
      host_selection_retry_max_attempts: '5',
      retry_back_off: { base_interval: '0.1s' },
    });
  });

  test('retryIgnorePreviousHosts: false drops the predicate; retryRemoteLocalities adds previous_priorities', () => {
    expect(retryOf('{attempts: 1, retryOn: 5xx, retryIgnorePreviousHosts: false, retryRemoteLocalities: true}')).toEqual({
      retry_on: '5xx',
      num_retries: 1,
      host_selection_retry_max_attempts: '5',
      retry_priority: { name: 'envoy.retry_priorities.previous_priorities' },
    });
  });

  test('the mesh defaultHttpRetryPolicy replaces the built-in default; a route policy still wins', () => {
    const mesh = meshConfig('defaultHttpRetryPolicy: {attempts: 4, retryOn: "503"}');
    expect(retryOf('', mesh)).toEqual({ ...DEFAULT_RETRY, num_retries: 4, retry_on: 'retriable-status-codes', retriable_status_codes: [503] });
    expect(retryOf('{attempts: 1}', mesh)).toEqual({ ...DEFAULT_RETRY, num_retries: 1 });
    expect(retryOf('', meshConfig('defaultHttpRetryPolicy: {attempts: 0}'))).toBeUndefined();
  });
});
