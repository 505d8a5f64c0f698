import { HEADER_NAME } from '../../syntax/common.ts';
import { isCIDROrIP } from '../../syntax/host.ts';

// Value syntaxes of AuthorizationPolicy rules, as istio/istio pkg/config/security/security.go
// checks them (ValidateIPs, ValidatePorts, CheckValidPathTemplate, ValidateAttribute).

/** `bad IP address (x)` / `bad CIDR range (x)` for a non-IP, non-CIDR value. */
export function ipError(v: string): string | undefined {
  if (isCIDROrIP(v)) return undefined;
  return v.includes('/') ? `bad CIDR range (${v})` : `bad IP address (${v})`;
}

/** Ports are strings of a number in 0..65535. */
export function portError(v: string): string | undefined {
  return /^\d{1,5}$/.test(v) && Number(v) <= 65535 ? undefined : `bad port (${v}): must be a number in 0..65535`;
}

const ONE = '{*}';
const ANY = '{**}';
export const isPathTemplate = (p: string) => p.includes(ONE) || p.includes(ANY);

// A literal segment of a path template: RFC 3986 pchar without `*` (Istio security.go validLiteral).
const LITERAL = /^[a-zA-Z0-9\-._~%!$&'()+,;:@=]+$/;

/**
 * Why a `paths`/`notPaths` value is unusable, or undefined. Templates (`{*}` one segment, `{**}`
 * any number of segments) are Envoy uri_template matchers: every operator is a whole segment,
 * `{**}` is the last operator, other segments are plain pchar literals (no `*`, braces, spaces).
 * Plain values are Istio rule strings (exact, `prefix*`, `*suffix`, `*`): any value is accepted,
 * and pathWarning flags a `*` that will be matched literally.
 */
export function pathError(p: string): string | undefined {
  if (!isPathTemplate(p) && !/[{}]/.test(p)) return undefined;
  const invalid = `invalid or unsupported path template "${p}"`;
  if (!p.startsWith('/')) return `${invalid}: a path template must start with "/"`;
  const segments = p.replace(/^\/+|\/+$/g, '').split('/');
  let sawAny = false;
  for (const seg of segments) {
    const op = seg === ONE || seg === ANY;
    if (op && sawAny) return `${invalid}: "{**}" must be the last operator in a path template`;
    if (seg === ANY) sawAny = true;
    if (op) continue;
    if (/[{}]/.test(seg)) return `${invalid}: "${seg}" — "{*}" and "{**}" must be whole path segments; named variables and other braces are not supported`;
    if (!LITERAL.test(seg)) return `${invalid}: segment "${seg}" is not a valid literal (letters, digits and -._~%!$&'()+,;:@= only; "*" is not a wildcard inside a template)`;
  }
  return undefined;
}

/** A plain path whose `*` is neither a leading nor a trailing wildcard: Istio accepts it and matches the `*` literally. */
export function pathWarning(p: string): string | undefined {
  if (isPathTemplate(p) || p === '*') return undefined;
  const inner = p.startsWith('*') ? p.slice(1) : p.endsWith('*') ? p.slice(0, -1) : p;
  if (!inner.includes('*')) return undefined;
  return `path "${p}": only a leading or trailing "*" is a wildcard, so this "*" is matched literally, as in Istio (in a DENY rule or notPaths it covers no other path); use a path template ("{*}" for one segment, "{**}" for any) to match inside a path`;
}

// `when` keys (pilot/pkg/security/authz/model/model.go; security.go ValidateAttribute).
type ValueKind = 'ip' | 'port' | 'serviceAccount' | 'string';
const EXACT_KEYS: Record<string, ValueKind> = {
  'source.ip': 'ip',
  'remote.ip': 'ip',
  'source.namespace': 'string',
  'source.principal': 'string',
  'source.serviceAccount': 'serviceAccount',
  'source.trustDomain': 'string',
  'request.auth.principal': 'string',
  'request.auth.audiences': 'string',
  'request.auth.presenter': 'string',
  'destination.ip': 'ip',
  'destination.port': 'port',
  'connection.sni': 'string',
};
const MAP_PREFIXES = ['request.headers', 'request.auth.claims', 'experimental.envoy.filters.'];

/** `a[b]` (and nested `a[b][c]` for claims): a bracketed, non-empty name after the prefix. */
function mapKeyError(key: string, prefix: string): string | undefined {
  const rest = key.slice(prefix.length);
  const nested = prefix === 'request.auth.claims' ? /^(\[[^[\]]+\])+$/ : /^\[[^[\]]+\]$/;
  if (prefix.endsWith('.')) {
    // experimental.envoy.filters.<filter>[<key>]
    const open = rest.indexOf('[');
    if (open > 0 && /^\[[^[\]]+\]$/.test(rest.slice(open))) return undefined;
  } else if (nested.test(rest)) return undefined;
  return `bad key (${key}): should have format a[b]`;
}

/** Why a `when` key is rejected (Istio's wording), or undefined; `kind` says how values are checked. */
export function conditionKeyCheck(key: string): { error?: string; kind: ValueKind } {
  const exact = EXACT_KEYS[key];
  if (exact) return { kind: exact };
  for (const prefix of MAP_PREFIXES) {
    if (key.startsWith(prefix)) {
      const error = mapKeyError(key, prefix) ?? (prefix === 'request.headers' ? headerKeyError(key.slice(prefix.length + 1, -1)) : undefined);
      return error ? { error, kind: 'string' } : { kind: 'string' };
    }
  }
  if (key === 'destination.namespace') return { error: `attribute ${key} is replaced by the metadata.namespace`, kind: 'string' };
  if (key.startsWith('destination.labels')) return { error: `attribute ${key} is replaced by the workload selector`, kind: 'string' };
  if (key === 'destination.name' || key === 'destination.user') return { error: `deprecated attribute ${key}: only supported in v1alpha1`, kind: 'string' };
  return { error: `unknown attribute: ${key}`, kind: 'string' };
}

/** Istio checks no more than the shape; the Workers runtime reads RFC 9110 token header names only. */
const headerKeyError = (name: string) => (name.startsWith(':') || HEADER_NAME.test(name) ? undefined : `invalid header name "${name}" in request.headers[${name}]: a header name is an RFC 9110 token`);

/** Keys a CUSTOM (ext_authz) policy cannot use: identities the ext_authz filter does not see. */
export const isCustomUnsupportedKey = (key: string) =>
  ['source.namespace', 'source.serviceAccount', 'source.trustDomain', 'source.principal'].includes(key) || key.startsWith('request.auth.');
