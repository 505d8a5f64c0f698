import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';

// HTTPRetry (virtual_service.proto; validation.go validateHTTPRetry). Unset on a route ⇒ mesh
// `defaultHttpRetryPolicy`, else the built-in default (attempts 2, retryOn
// connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes) — applied by the
// translator, not here.

/** Envoy `x-envoy-retry-on` and `x-envoy-retry-grpc-on` policies Istio accepts in `retryOn`. */
export const RETRY_ON_POLICIES: readonly string[] = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited',
  'http3-post-connect-failure',
  // gRPC
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
];

// Codes Go's net/http names (http.StatusText): a numeric retryOn token must be one of them.
const KNOWN_STATUS = new Set([
  100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308,
  400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423,
  424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511,
]);

/** Whether a single retryOn token is a known policy or an HTTP status code (no trimming, as Istio). */
export function isRetryOnToken(token: string): boolean {
  return RETRY_ON_POLICIES.includes(token) || (/^[+-]?\d{1,9}$/.test(token) && KNOWN_STATUS.has(Number(token)));
}

export const httpRetry = z
  .strictObject({
    /** Retries after the first try (max requests = 1 + attempts); 0 disables retries. */
    attempts: z.number().int().optional(),
    /** Per attempt, including the first; default: the route timeout. */
    perTryTimeout: duration().optional(),
    /** Comma-separated policies and/or HTTP status codes. */
    retryOn: z.string().optional(),
    retryRemoteLocalities: z.boolean().optional(),
    /** Default true (Envoy previous_hosts predicate). */
    retryIgnorePreviousHosts: z.boolean().optional(),
    /** Base interval; Envoy default 25ms, exponential up to 10×. */
    backoff: duration().optional(),
  })
  .superRefine((r, ctx) => {
    const attempts = r.attempts ?? 0;
    if (attempts < 0) ctx.addIssue({ code: 'custom', path: ['attempts'], message: 'attempts cannot be negative' });
    if (attempts === 0 && (r.perTryTimeout !== undefined || r.retryOn || r.retryRemoteLocalities !== undefined)) {
      ctx.addIssue({ code: 'custom', path: r.attempts === undefined ? [] : ['attempts'], message: 'http retry policy configured when attempts are set to 0 (disabled)' });
    }
    if (r.retryOn) {
      for (const token of r.retryOn.split(',')) {
        if (!isRetryOnToken(token)) ctx.addIssue({ code: 'custom', path: ['retryOn'], message: `${JSON.stringify(token)} is not a valid retryOn policy` });
      }
    }
  });
export type HTTPRetry = z.infer<typeof httpRetry>;
