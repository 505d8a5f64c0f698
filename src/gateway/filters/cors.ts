import { CorsPolicy } from '../../xds/filters/cors.ts';
import { CompiledStringMatcher } from '../routing/index.ts';

// Envoy's CORS filter with a per-route policy: preflights answered locally, allowed origins
// echoed (never `*`), credentials and expose headers on actual responses.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/cors_filter

export interface CompiledCors {
  allowed(origin: string): boolean;
  methods?: string;
  headers?: string;
  expose?: string;
  maxAge?: string;
  credentials: boolean;
  forwardNotMatchingPreflights: boolean;
}

export function compileCors(config: unknown): CompiledCors {
  const c = CorsPolicy.parse(config);
  const origins = (c.allow_origin_string_match ?? []).map((m) => CompiledStringMatcher.compile(m));
  // Envoy isOriginAllowed: a matcher that matches the literal "*" (exact "*", Istio's legacy
  // allowOrigin: ["*"], a regex like ".*") allows every origin; the origin is still echoed.
  const any = origins.some((m) => m.match('*'));
  return {
    allowed: any ? () => true : (origin) => origins.some((m) => m.match(origin)),
    methods: c.allow_methods,
    headers: c.allow_headers,
    expose: c.expose_headers,
    maxAge: c.max_age,
    credentials: c.allow_credentials === true,
    forwardNotMatchingPreflights: c.forward_not_matching_preflights !== false,
  };
}

/** OPTIONS with a non-empty `Origin` and `Access-Control-Request-Method` (Envoy: anything else is forwarded). */
export const isPreflight = (req: Request) => req.method === 'OPTIONS' && !!req.headers.get('origin') && !!req.headers.get('access-control-request-method');

/**
 * A preflight's local answer, or undefined to forward it upstream (origin not allowed, FORWARD).
 * Not forwarded, a disallowed origin gets the same answer without `access-control-allow-origin`
 * (cors_filter.cc decodeHeaders).
 */
export function answerPreflight(c: CompiledCors, req: Request): Response | undefined {
  const origin = req.headers.get('origin')!;
  const allowed = c.allowed(origin);
  if (!allowed && c.forwardNotMatchingPreflights) return undefined;
  const h = new Headers();
  if (allowed) h.set('access-control-allow-origin', origin);
  if (c.credentials) h.set('access-control-allow-credentials', 'true');
  const methods = c.methods === '*' ? req.headers.get('access-control-request-method') : c.methods;
  const headers = c.headers === '*' ? req.headers.get('access-control-request-headers') : c.headers;
  if (methods) h.set('access-control-allow-methods', methods);
  if (headers) h.set('access-control-allow-headers', headers);
  if (c.maxAge) h.set('access-control-max-age', c.maxAge);
  return new Response(null, { status: 200, headers: h });
}

/** Adds the CORS headers to an actual response for an allowed origin. */
export function decorateResponse(c: CompiledCors, origin: string | null, headers: Headers): void {
  if (!origin || !c.allowed(origin)) return;
  headers.set('access-control-allow-origin', origin);
  if (c.credentials) headers.set('access-control-allow-credentials', 'true');
  if (c.expose) headers.set('access-control-expose-headers', c.expose);
}
