import type { JwtProvider } from '../../../xds/filters/jwt-authn.ts';
import { TOKEN, type HeaderBag } from '../../http/header-map.ts';
import { cookieValue } from '../../http/cookie.ts';
import { firstQueryValue, removeQueryParam } from '../../http/query.ts';

// Where tokens are found (envoy jwt_authn extractor.cc): configured headers (with an optional
// value prefix), query parameters and cookies; a provider with none of them uses
// `Authorization: Bearer <t>` and `?access_token=<t>`. A location remembers which issuers
// configured it: a token found there is only accepted for one of them.

/** The parts of the request a token can be read from and removed from. */
export interface RequestView {
  headers: HeaderBag;
  /** Raw query string without `?`; removing a parameter token rewrites it. */
  query: string;
}

export interface TokenLocation {
  readonly token: string;
  isIssuerAllowed(iss: string): boolean;
  /** Drops the token before the request goes upstream (headers and parameters; cookies are kept, as Envoy does). */
  remove(view: RequestView): void;
}

export interface Extractor {
  /** Tokens in Envoy's order: headers, then parameters, then cookies, each sorted by name. */
  extract(view: RequestView): TokenLocation[];
  /** Removes the payload and claim headers these providers set, so a client cannot forge them. */
  sanitize(headers: HeaderBag): void;
}

class IssuerSet {
  private all = false;
  private readonly issuers = new Set<string>();
  add(iss: string | undefined) {
    if (!iss) this.all = true;
    else this.issuers.add(iss);
  }
  has(iss: string) {
    return this.all || this.issuers.has(iss);
  }
}

const JWT_CHARS = /[A-Za-z0-9_.-]/;

/**
 * After the prefix: the first run of base64url (or dot) characters; none ⇒ the whole value (Envoy
 * extractJWT). So `Bearer a.b.c, Bearer d.e.f` (two headers, joined) gives the first token.
 */
function afterPrefix(value: string, from: number): string {
  let i = from;
  while (i < value.length && !JWT_CHARS.test(value[i]!)) i++;
  if (i === value.length) return value;
  let end = i;
  while (end < value.length && JWT_CHARS.test(value[end]!)) end++;
  return value.slice(i, end);
}

const byName = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export function compileExtractor(providers: readonly JwtProvider[]): Extractor {
  const headers = new Map<string, { name: string; prefix: string; issuers: IssuerSet }>();
  const params = new Map<string, IssuerSet>();
  const cookieNames = new Map<string, IssuerSet>();
  const sanitized = new Set<string>();
  const addHeader = (name: string, prefix: string, iss: string | undefined) => {
    const lower = name.toLowerCase();
    const key = lower + prefix;
    let spec = headers.get(key);
    if (!spec) headers.set(key, (spec = { name: lower, prefix, issuers: new IssuerSet() }));
    spec.issuers.add(iss);
  };
  const add = (m: Map<string, IssuerSet>, name: string, iss: string | undefined) => {
    let s = m.get(name);
    if (!s) m.set(name, (s = new IssuerSet()));
    s.add(iss);
  };
  for (const p of providers) {
    // Checked once per snapshot (a NACK), never left to throw on every request.
    for (const name of [...(p.from_headers ?? []).map((h) => h.name), p.forward_payload_header ?? 'x', ...(p.claim_to_headers ?? []).map((c) => c.header_name)]) {
      if (!TOKEN.test(name)) throw new Error(`jwt_authn: "${name}" is not a valid header name`);
    }
    for (const h of p.from_headers ?? []) addHeader(h.name, h.value_prefix ?? '', p.issuer);
    for (const q of p.from_params ?? []) add(params, q, p.issuer);
    for (const c of p.from_cookies ?? []) add(cookieNames, c, p.issuer);
    if (!p.from_headers?.length && !p.from_params?.length && !p.from_cookies?.length) {
      addHeader('authorization', 'Bearer ', p.issuer);
      add(params, 'access_token', p.issuer);
    }
    if (p.forward_payload_header) sanitized.add(p.forward_payload_header.toLowerCase());
    for (const c of p.claim_to_headers ?? []) sanitized.add(c.header_name.toLowerCase());
  }
  const headerSpecs = byName(headers).map(([, s]) => s);
  const paramSpecs = byName(params);
  const cookieSpecs = byName(cookieNames);

  return {
    extract(view) {
      const out: TokenLocation[] = [];
      for (const spec of headerSpecs) {
        const value = view.headers.get(spec.name);
        if (value === null) continue;
        let token = value;
        if (spec.prefix) {
          const pos = value.indexOf(spec.prefix);
          if (pos < 0) continue;
          token = afterPrefix(value, pos + spec.prefix.length);
        }
        out.push({ token, isIssuerAllowed: (i) => spec.issuers.has(i), remove: (v) => v.headers.delete(spec.name) });
      }
      if (paramSpecs.length && view.query) {
        for (const [name, issuers] of paramSpecs) {
          const token = firstQueryValue(view.query, name);
          if (token === undefined) continue;
          out.push({ token, isIssuerAllowed: (i) => issuers.has(i), remove: (v) => void (v.query = removeQueryParam(v.query, name)) });
        }
      }
      if (cookieSpecs.length) {
        const jar = view.headers.get('cookie');
        for (const [name, issuers] of cookieSpecs) {
          const token = cookieValue(jar, name);
          if (token === undefined) continue;
          out.push({ token, isIssuerAllowed: (i) => issuers.has(i), remove: () => {} });
        }
      }
      return out;
    },
    sanitize(h) {
      for (const name of sanitized) h.delete(name);
    },
  };
}

/** Names of the query parameters that may carry a token (kept out of the www-authenticate realm). */
export function tokenParams(providers: readonly JwtProvider[]): Set<string> {
  const out = new Set<string>();
  for (const p of providers) {
    for (const q of p.from_params ?? []) out.add(q);
    if (!p.from_headers?.length && !p.from_params?.length && !p.from_cookies?.length) out.add('access_token');
  }
  return out;
}
