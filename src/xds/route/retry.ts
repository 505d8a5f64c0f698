import type { HTTPRetry } from '../../config/kinds/networking/virtual-service.ts';
import type { MeshHTTPRetry } from '../../config/kinds/mesh/mesh-config.ts';
import { isRetryOnToken } from '../../config/kinds/networking/http-retry.ts';
import { parseDuration } from '../../config/syntax/duration.ts';
import { msToDuration } from '../resources/common.ts';
import type { RetryPolicy } from '../resources/route.ts';

// HTTPRetry → envoy RetryPolicy (Istio pilot/pkg/networking/core/route/retry/retry.go
// ConvertPolicy). Current Istio's default: 2 retries on connect-failure, refused-stream,
// unavailable, cancelled — 503 not retried (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY).

export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
const PREVIOUS_HOSTS = { name: 'envoy.retry_host_predicates.previous_hosts' };
const PREVIOUS_PRIORITIES = 'envoy.retry_priorities.previous_priorities';

/** The built-in policy; consistent hashing drops previous_hosts so retries stay on the hashed host. */
export function defaultRetryPolicy(consistentHash: boolean): RetryPolicy {
  return {
    retry_on: DEFAULT_RETRY_ON,
    num_retries: 2,
    ...(consistentHash ? {} : { retry_host_predicate: [PREVIOUS_HOSTS] }),
    host_selection_retry_max_attempts: '5',
  };
}

/** Numeric tokens that are HTTP status codes become retriable_status_codes (retry.go parseRetryOn). */
function parseRetryOn(retryOn: string): { on: string[]; codes: number[] } {
  const on: string[] = [];
  const codes: number[] = [];
  for (const raw of retryOn.split(',')) {
    const part = raw.trim();
    if (!part) continue;
    if (/^[+-]?\d{1,9}$/.test(part) && isRetryOnToken(part)) codes.push(Number(part));
    else on.push(part);
  }
  return { on, codes };
}

/** `policy` is the route's `retries`, else the mesh's defaultHttpRetryPolicy; undefined ⇒ built-in default. */
export function convertRetryPolicy(policy: HTTPRetry | MeshHTTPRetry | undefined, consistentHash: boolean): RetryPolicy | undefined {
  const base = defaultRetryPolicy(consistentHash);
  if (!policy) return base;
  if ((policy.attempts ?? 0) <= 0) return undefined; // attempts: 0 disables retries
  let retryOn = base.retry_on;
  let codes: number[] = [];
  if (policy.retryOn) {
    const parsed = parseRetryOn(policy.retryOn);
    codes = parsed.codes;
    // Codes only take effect with retriable-status-codes; Istio adds it when missing.
    if (codes.length && !parsed.on.includes('retriable-status-codes')) parsed.on.push('retriable-status-codes');
    retryOn = parsed.on.join(',');
  }
  let predicate = base.retry_host_predicate;
  if (policy.retryIgnorePreviousHosts !== undefined) predicate = policy.retryIgnorePreviousHosts ? [PREVIOUS_HOSTS] : undefined;
  const perTry = policy.perTryTimeout !== undefined ? parseDuration(policy.perTryTimeout) : undefined;
  const backoff = policy.backoff !== undefined ? parseDuration(policy.backoff) : undefined;
  return {
    retry_on: retryOn,
    num_retries: policy.attempts!,
    ...(perTry !== undefined ? { per_try_timeout: msToDuration(perTry) } : {}),
    ...(codes.length ? { retriable_status_codes: codes } : {}),
    ...(predicate ? { retry_host_predicate: predicate } : {}),
    host_selection_retry_max_attempts: base.host_selection_retry_max_attempts,
    ...(backoff !== undefined ? { retry_back_off: { base_interval: msToDuration(backoff) } } : {}),
    ...(policy.retryRemoteLocalities ? { retry_priority: { name: PREVIOUS_PRIORITIES } } : {}),
  };
}
