import { z } from 'zod';
import { HEADER_NAME, labels } from '../../syntax/common.ts';
import { re2Error } from '../../syntax/regex.ts';
import { nonEmptyPrefixMatch, stringMatch } from '../../syntax/string-match.ts';
import { gatewayNames, matchPort, sourceNamespace } from './vs-hosts.ts';

// HTTPMatchRequest (virtual_service.proto): all fields of one match AND; entries of `match` OR.
// Rules: virtualservice.go validateHTTPRouteMatchRequest, validation.go
// ValidateHTTPHeaderNameOrJwtClaimRoute.

const JWT_CLAIM_PREFIX = '@request.auth.claims';

/** `@request.auth.claims.a.b` or `@request.auth.claims[a][b]`: a JWT claim match (gateways only). */
export function isJwtClaimHeader(name: string): boolean {
  if (!name.toLowerCase().startsWith(JWT_CLAIM_PREFIX)) return false;
  const rest = name.slice(JWT_CLAIM_PREFIX.length);
  return (rest.startsWith('.') && rest.length > 1) || (rest.startsWith('[') && rest.endsWith(']') && rest.length > 2);
}

const PSEUDO_HEADERS = new Set([':method', ':scheme', ':authority', ':path', ':status']);

function matchHeaderNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isJwtClaimHeader(name) || PSEUDO_HEADERS.has(name) || HEADER_NAME.test(name)) return undefined;
  return `header name ${name} is not a valid header name`;
}

/** withoutHeaders: like headers, but `regex: "*"` is a presence matcher, not a regex. */
const withoutHeaderMatch = z
  .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() })
  .superRefine((m, ctx) => {
    const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', message: `only one of exact, prefix or regex may be set (got ${set.join(', ')})` });
    if (m.prefix === '') ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'prefix string match should not be empty' });
    if (m.regex === undefined || m.regex === '*') return;
    if (m.regex === '') return ctx.addIssue({ code: 'custom', path: ['regex'], message: 'regex string match should not be empty' });
    const err = re2Error(m.regex);
    if (err) ctx.addIssue({ code: 'custom', path: ['regex'], message: `"${m.regex}" is not a valid regex: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` });
  });

function headerMap<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((m, ctx) => {
    for (const name of Object.keys(m)) {
      const err = matchHeaderNameError(name);
      if (err) ctx.addIssue({ code: 'custom', path: [name], message: err });
    }
  });
}

export const httpMatchRequest = z.strictObject({
  /** Appended to the route name in logs (`route.match`). */
  name: z.string().optional(),
  /** Path without query; exact/prefix/regex (RE2, full match). An empty prefix matches all. */
  uri: stringMatch.optional(),
  scheme: nonEmptyPrefixMatch.optional(),
  method: nonEmptyPrefixMatch.optional(),
  /** Raw `:authority`, including any port. */
  authority: nonEmptyPrefixMatch.optional(),
  /** `{}` is a presence match; `@request.auth.claims.*` keys match JWT claims (gateways only). */
  headers: headerMap(nonEmptyPrefixMatch).optional(),
  /** Listener port; 0/unset = any. */
  port: matchPort.optional(),
  /** Client proxy selector (not a runtime match). */
  sourceLabels: labels.optional(),
  /** Overrides the VirtualService's `gateways` for this match. */
  gateways: gatewayNames.optional(),
  queryParams: z.record(z.string(), nonEmptyPrefixMatch).optional(),
  /** Case-insensitive uri exact/prefix (not regex). Default false. */
  ignoreUriCase: z.boolean().optional(),
  /** Negated header match; a missing header counts as "". */
  withoutHeaders: headerMap(withoutHeaderMatch).optional(),
  sourceNamespace: sourceNamespace.optional(),
  statPrefix: z.string().optional(),
});
export type HTTPMatchRequest = z.infer<typeof httpMatchRequest>;
