import { z } from 'zod';
import { HEADER_NAME } from '../../syntax/common.ts';
import { duration } from '../../syntax/duration.ts';
import { re2Error } from '../../syntax/regex.ts';

// CorsPolicy (virtual_service.proto; validation.go validateCORSPolicy, validateAllowOrigins,
// ValidateCORSHTTPHeaderName). Envoy's cors filter echoes the request Origin when allowed.

export const CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', '*'];

/** An allowOrigins StringMatch: one non-empty exact, prefix or regex. */
const allowOriginMatch = z
  .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() })
  .superRefine((m, ctx) => {
    const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', message: `only one of exact, prefix or regex may be set (got ${set.join(', ')})` });
    const value = m.exact ?? m.prefix ?? m.regex ?? '';
    if (value === '') return ctx.addIssue({ code: 'custom', message: `'' is not a valid match type for CORS allow origins` });
    const err = m.regex !== undefined ? re2Error(m.regex) : undefined;
    if (err) ctx.addIssue({ code: 'custom', path: ['regex'], message: `"corsPolicy.allowOrigins": ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` });
  });

const corsHeaderName = z.string().superRefine((name, ctx) => {
  if (name === '') ctx.addIssue({ code: 'custom', message: 'header name cannot be empty' });
  else if (name !== '*' && !HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', message: `header name ${name} is not a valid header name` });
});

export const corsPolicy = z.strictObject({
  /** Deprecated: exact origins; use allowOrigins. */
  allowOrigin: z.array(z.string()).optional(),
  allowOrigins: z.array(allowOriginMatch).optional(),
  /** `*` echoes Access-Control-Request-Method. */
  allowMethods: z
    .array(z.string())
    .superRefine((list, ctx) => {
      for (const [i, m] of list.entries()) if (!CORS_METHODS.includes(m)) ctx.addIssue({ code: 'custom', path: [i], message: `${JSON.stringify(m)} is not a supported HTTP method` });
    })
    .optional(),
  allowHeaders: z.array(corsHeaderName).optional(),
  exposeHeaders: z.array(corsHeaderName).optional(),
  /** Whole seconds → Access-Control-Max-Age. */
  maxAge: duration({ seconds: true }).optional(),
  /** Unset/false ⇒ header omitted. */
  allowCredentials: z.boolean().optional(),
  /** Preflight from a non-matching origin: UNSPECIFIED/FORWARD (default) pass upstream; IGNORE answers locally. */
  unmatchedPreflights: z.enum(['UNSPECIFIED', 'FORWARD', 'IGNORE']).optional(),
});
export type CorsPolicy = z.infer<typeof corsPolicy>;
