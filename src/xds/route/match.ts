import type { HTTPMatchRequest } from '../../config/kinds/networking/virtual-service.ts';
import type { StringMatch } from '../../config/syntax/string-match.ts';
import type { StringMatcher } from '../resources/common.ts';
import type { HeaderMatcher, MetadataMatcher, QueryParameterMatcher, RouteMatch } from '../resources/route.ts';

// HTTPMatchRequest → envoy RouteMatch (Istio route.go TranslateRouteMatch): uri → path specifier,
// headers/withoutHeaders (sorted by name), then :method, :authority, :scheme; JWT-claim header keys
// become dynamic-metadata matchers on what istio_authn verified.

const CLAIM_PREFIX = '@request.auth.claims';
/** Where the authn filter leaves verified claims (Istio authz model: filter `istio_authn`). */
export const AUTHN_FILTER = 'istio_authn';

/** `{}` and `regex: "*"` are presence matches (route.go canBeConvertedToPresentMatch). */
const isPresence = (m: StringMatch | undefined) => !m || (m.exact === undefined && m.prefix === undefined && m.regex === undefined) || m.regex === '*';

/** util.ConvertToEnvoyMatch: exact/prefix as is, regex ⇒ safe_regex (RE2, full match). */
export function toStringMatcher(m: StringMatch): StringMatcher | undefined {
  if (m.exact !== undefined) return { exact: m.exact };
  if (m.prefix !== undefined) return { prefix: m.prefix };
  if (m.regex !== undefined) return { safe_regex: { regex: m.regex } };
  return undefined;
}

/** `@request.auth.claims.a.b` or `@request.auth.claims[a][b]` ⇒ `['a','b']` (Istio jwt.ToRoutingClaim). */
export function jwtClaimPath(name: string): string[] | undefined {
  if (!name.toLowerCase().startsWith(CLAIM_PREFIX)) return undefined;
  const rest = name.slice(CLAIM_PREFIX.length);
  if (rest.startsWith('.')) {
    const parts = rest.slice(1).split('.');
    return parts.every((p) => p !== '') ? parts : undefined;
  }
  if (/^(\[[^[\]]+\])+$/.test(rest)) return [...rest.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]!);
  return undefined;
}

function headerMatcher(name: string, m: StringMatch | undefined): HeaderMatcher {
  if (isPresence(m)) return { name, present_match: true };
  return { name, string_match: toStringMatcher(m!)! };
}

function metadataMatcher(claims: string[], m: StringMatch | undefined): MetadataMatcher {
  return {
    filter: AUTHN_FILTER,
    path: ['request.auth.claims', ...claims].map((key) => ({ key })),
    value: isPresence(m) ? { present_match: true } : { string_match: toStringMatcher(m!)! },
  };
}

function queryMatcher(name: string, m: StringMatch): QueryParameterMatcher {
  if (isPresence(m)) return { name, present_match: true };
  return { name, string_match: toStringMatcher(m)! };
}

const byKey = <T>(rec: Record<string, T> | undefined) => Object.entries(rec ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function translateRouteMatch(m: HTTPMatchRequest | undefined): RouteMatch {
  if (!m) return { prefix: '/', case_sensitive: true };
  const headers: HeaderMatcher[] = [];
  const dynamic: MetadataMatcher[] = [];
  for (const [name, sm] of byKey(m.headers)) {
    const claims = jwtClaimPath(name);
    if (claims) dynamic.push(metadataMatcher(claims, sm));
    else headers.push(headerMatcher(name, sm));
  }
  for (const [name, sm] of byKey(m.withoutHeaders)) {
    const claims = jwtClaimPath(name);
    if (claims) dynamic.push({ ...metadataMatcher(claims, sm), invert: true });
    // treat_missing_header_as_empty conflicts with present_match, so presence keeps Envoy's default.
    else headers.push({ ...headerMatcher(name, sm), invert_match: true, ...(isPresence(sm) ? {} : { treat_missing_header_as_empty: true }) });
  }
  headers.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const out: RouteMatch = {};
  const uri = m.uri;
  if (uri?.exact !== undefined) out.path = uri.exact;
  else if (uri?.prefix !== undefined) out.prefix = uri.prefix;
  else if (uri?.regex !== undefined) out.safe_regex = { regex: uri.regex };
  else out.prefix = '/';
  // ignoreUriCase applies to exact and prefix only; a regex keeps its own `(?i)`.
  out.case_sensitive = !(m.ignoreUriCase && out.safe_regex === undefined);

  if (m.method) headers.push(headerMatcher(':method', m.method));
  if (m.authority) headers.push(headerMatcher(':authority', m.authority));
  if (m.scheme) headers.push(headerMatcher(':scheme', m.scheme));
  if (headers.length) out.headers = headers;
  const query = byKey(m.queryParams).map(([name, sm]) => queryMatcher(name, sm));
  if (query.length) out.query_parameters = query;
  if (dynamic.length) out.dynamic_metadata = dynamic;
  return out;
}
