import { z } from 'zod';
import { duration } from '../../syntax/duration.ts';

// HTTPRetry as MeshConfig `defaultHttpRetryPolicy` uses it (istio/api networking/v1alpha3
// virtual_service.proto HTTPRetry), validated as istio/istio pkg/config/validation/agent
// validation.go ValidateHTTPRetry. Kept local to the mesh config on purpose: the
// VirtualService schema owns its own copy.

/** Envoy `x-envoy-retry-on` / `x-envoy-retry-grpc-on` policies Istio accepts in `retryOn`. */
export const RETRY_ON_POLICIES = [
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-4xx', 'refused-stream',
  'retriable-status-codes', 'retriable-headers', 'envoy-ratelimited', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
] as const;

const isRetryOnToken = (t: string) => (RETRY_ON_POLICIES as readonly string[]).includes(t) || (/^\d{3}$/.test(t) && Number(t) >= 100 && Number(t) <= 599);

export const meshHttpRetry = z
  .strictObject({
    /** Number of retries (requests = 1 + attempts); 0 disables retries. */
    attempts: z.number().int().optional(),
    /** Per attempt, including the first; default: the route timeout. */
    perTryTimeout: duration().optional(),
    /** Comma-separated policies and/or HTTP status codes; default `connect-failure,refused-stream,unavailable,cancelled`. */
    retryOn: z.string().optional(),
    retryRemoteLocalities: z.boolean().optional(),
    /** Default true. */
    retryIgnorePreviousHosts: z.boolean().optional(),
    /** Base interval of Envoy's exponential back-off (default 25ms). */
    backoff: duration().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.attempts !== undefined && r.attempts < 0) ctx.addIssue({ code: 'custom', path: ['attempts'], message: 'attempts cannot be negative' });
    if (r.attempts === 0 && (r.perTryTimeout !== undefined || r.retryOn !== undefined || r.retryRemoteLocalities !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['attempts'], message: 'http retry policy configured when attempts are set to 0 (disabled)' });
    }
    if (r.retryOn !== undefined) {
      for (const token of r.retryOn.split(',').map((t) => t.trim())) {
        if (!isRetryOnToken(token)) ctx.addIssue({ code: 'custom', path: ['retryOn'], message: `${JSON.stringify(token)} is not a valid retryOn policy` });
      }
    }
  });
export type MeshHTTPRetry = z.infer<typeof meshHttpRetry>;
