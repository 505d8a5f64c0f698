import { z } from 'zod';
import { matchPort } from './vs-hosts.ts';

// HTTPRedirect (virtual_service.proto; validation.go validateHTTPRedirect). Answered by the proxy
// with a 3xx and a Location built from the request and these overrides.

/** Envoy only emits these; Istio accepts any 3xx but drops the route for the others. */
export const SUPPORTED_REDIRECT_CODES: readonly number[] = [301, 302, 303, 307, 308];

export const httpRedirect = z
  .strictObject({
    /** Replaces the whole path (query kept unless `uri` has one). Excludes `prefixRewrite`. */
    uri: z.string().optional(),
    /** Replaces the matched prefix; all uri matches of the route must be prefix matches. */
    prefixRewrite: z.string().optional(),
    authority: z.string().optional(),
    /** Explicit port (oneof with derivePort). Ports 80/http and 443/https are left out of Location. */
    port: matchPort.optional(),
    /** FROM_PROTOCOL_DEFAULT (80/443) or FROM_REQUEST_PORT (the listener port). */
    derivePort: z.enum(['FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT']).optional(),
    /** `http` or `https`; default: the request's scheme. */
    scheme: z.string().optional(),
    /** Default 301. */
    redirectCode: z.number().int().optional(),
  })
  .superRefine((r, ctx) => {
    if (r.uri && r.prefixRewrite) ctx.addIssue({ code: 'custom', path: ['prefixRewrite'], message: 'redirect may only specify one of uri or prefix_rewrite' });
    if (r.port !== undefined && r.derivePort !== undefined) ctx.addIssue({ code: 'custom', path: ['derivePort'], message: 'redirect may only specify one of port or derivePort' });
    const hasPort = r.port !== undefined || r.derivePort !== undefined;
    if (!r.uri && !r.prefixRewrite && !r.authority && !hasPort && !r.scheme) {
      ctx.addIssue({ code: 'custom', message: 'redirect must specify URI, authority, scheme, or port' });
      return;
    }
    if (r.redirectCode !== undefined && r.redirectCode !== 0 && (r.redirectCode < 300 || r.redirectCode > 399)) {
      ctx.addIssue({ code: 'custom', path: ['redirectCode'], message: `${r.redirectCode} is not a valid redirect code, must be 3xx` });
    }
    if (r.scheme && r.scheme !== 'http' && r.scheme !== 'https') ctx.addIssue({ code: 'custom', path: ['scheme'], message: 'invalid redirect scheme, must be "http" or "https"' });
  });
export type HTTPRedirect = z.infer<typeof httpRedirect>;
