// SPIFFE IDs (https://github.com/spiffe/spiffe/blob/main/standards/SPIFFE-ID.md) in Istio's form
// `spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>`, and Istio's principal form (the ID
// without `spiffe://`), which AuthorizationPolicy `principals` match against.

export interface SpiffeId {
  trustDomain: string;
  /** Path after the trust domain, with its leading `/` (may be empty). */
  path: string;
  /** Istio workload identity parts, when the path is `/ns/<ns>/sa/<sa>`. */
  namespace?: string;
  serviceAccount?: string;
}

const SCHEME = 'spiffe://';
// SPIFFE-ID.md §2.1: trust domain names are lowercase letters, digits, `.`, `-`, `_`.
const TRUST_DOMAIN = /^[a-z0-9._-]+$/;
// §2.2: path segments are letters, digits, `.`, `-`, `_`; never empty, `.` or `..`.
const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_LENGTH = 2048;

export type SpiffeParse = { ok: true; id: SpiffeId } | { ok: false; reason: string };

/** Parses a SPIFFE ID URI; the reason names the rule it breaks. */
export function parseSpiffeId(uri: string): SpiffeParse {
  if (uri.length > MAX_LENGTH) return { ok: false, reason: `SPIFFE ID is longer than ${MAX_LENGTH} bytes` };
  if (!uri.startsWith(SCHEME)) return { ok: false, reason: 'SPIFFE ID must start with "spiffe://"' };
  const rest = uri.slice(SCHEME.length);
  const slash = rest.indexOf('/');
  const trustDomain = slash === -1 ? rest : rest.slice(0, slash);
  const path = slash === -1 ? '' : rest.slice(slash);
  if (!trustDomain) return { ok: false, reason: 'SPIFFE ID has no trust domain' };
  if (!TRUST_DOMAIN.test(trustDomain)) return { ok: false, reason: `SPIFFE trust domain "${trustDomain}" may contain only lowercase letters, digits, ".", "-" and "_"` };
  if (/[?#]/.test(path)) return { ok: false, reason: 'SPIFFE ID cannot have a query or fragment' };
  const segments = path ? path.slice(1).split('/') : [];
  for (const s of segments) {
    if (s === '') return { ok: false, reason: 'SPIFFE ID path cannot have empty segments or a trailing "/"' };
    if (s === '.' || s === '..') return { ok: false, reason: 'SPIFFE ID path cannot have "." or ".." segments' };
    if (!SEGMENT.test(s)) return { ok: false, reason: `SPIFFE ID path segment "${s}" may contain only letters, digits, ".", "-" and "_"` };
  }
  const id: SpiffeId = { trustDomain, path };
  if (segments.length === 4 && segments[0] === 'ns' && segments[2] === 'sa') {
    id.namespace = segments[1]!;
    id.serviceAccount = segments[3]!;
  }
  return { ok: true, id };
}

/** `spiffe://<td>/ns/<ns>/sa/<sa>` — Istio's workload identity. */
export function formatSpiffeId(trustDomain: string, namespace: string, serviceAccount: string): string {
  const uri = `${SCHEME}${trustDomain}/ns/${namespace}/sa/${serviceAccount}`;
  const parsed: SpiffeParse = [namespace, serviceAccount].every((p) => SEGMENT.test(p) && p !== '.' && p !== '..') ? parseSpiffeId(uri) : { ok: false, reason: 'a namespace or service account must be one path segment' };
  if (!parsed.ok) throw new Error(`cannot form a SPIFFE ID from trust domain "${trustDomain}", namespace "${namespace}", service account "${serviceAccount}": ${parsed.reason}`);
  return uri;
}

/** Istio's principal: the SPIFFE ID without its scheme (`cluster.local/ns/default/sa/bookinfo`). */
export function toPrincipal(uri: string): string {
  return uri.startsWith(SCHEME) ? uri.slice(SCHEME.length) : uri;
}

/** A principal (`<td>/ns/<ns>/sa/<sa>`) back to its SPIFFE ID parts. */
export function parsePrincipal(principal: string): SpiffeParse {
  return parseSpiffeId(`${SCHEME}${principal}`);
}

export function spiffeIdString(id: SpiffeId): string {
  return `${SCHEME}${id.trustDomain}${id.path}`;
}
