import type { HashPolicy } from '../../xds/resources/route.ts';
import { durationMs } from '../../xds/resources/common.ts';
import type { Runtime } from '../runtime.ts';
import { TOKEN, type HeaderBag } from '../http/header-map.ts';
import { cookieValue } from '../http/cookie.ts';
import { firstQueryValue } from '../http/query.ts';

// Envoy route hash policies for ring hash / maglev: the first policy that yields a value
// (header, cookie, source IP, query parameter). A cookie policy with a ttl generates the cookie
// when the request has none, and the response sets it (Istio consistentHash.httpCookie).

export interface HashRequest {
  headers: HeaderBag;
  query: string;
  sourceIp: string;
}

export interface HashResult {
  key?: string;
  setCookie?: string;
}

export type CompiledHash = (req: HashRequest, rt: Runtime) => HashResult;

// RFC 6265 §4.1.1 attribute values: any CHAR except controls and `;`.
const COOKIE_ATTR_VALUE = /^[\x20-\x3a\x3c-\x7e]*$/;

/**
 * Envoy's Http::Utility::makeSetCookieValue: the value in double quotes; Max-Age in whole seconds
 * only when that is not zero (a shorter ttl makes a session cookie); Path only when configured;
 * then the attributes and HttpOnly.
 */
function setCookieValue(c: NonNullable<HashPolicy['cookie']>, value: string): string {
  const maxAge = Math.floor(durationMs(c.ttl ?? '0s') / 1000);
  let out = `${c.name}="${value}"`;
  if (maxAge > 0) out += `; Max-Age=${maxAge}`;
  if (c.path) out += `; Path=${c.path}`;
  for (const a of c.attributes ?? []) out += a.value ? `; ${a.name}=${a.value}` : `; ${a.name}`;
  return `${out}; HttpOnly`;
}

export function compileHashPolicy(policies: readonly HashPolicy[] | undefined): CompiledHash | undefined {
  if (!policies?.length) return undefined;
  for (const p of policies) {
    if (p.header && !TOKEN.test(p.header.header_name)) throw new Error(`hash policy: ${JSON.stringify(p.header.header_name)} is not a valid header name`);
    for (const a of p.cookie?.attributes ?? []) {
      // Written into Set-Cookie as is: a `;` or a control character would add attributes of its own.
      if (!TOKEN.test(a.name) || (a.value !== undefined && !COOKIE_ATTR_VALUE.test(a.value))) throw new Error(`hash policy: cookie attribute ${JSON.stringify(a.name)}${a.value !== undefined ? `=${JSON.stringify(a.value)}` : ''} cannot be written into Set-Cookie`);
    }
  }
  return (req, rt) => {
    for (const p of policies) {
      if (p.header) {
        const v = req.headers.get(p.header.header_name);
        if (v !== null) return { key: v };
      } else if (p.cookie) {
        // An empty value counts as absent (Envoy CookieHashMethod).
        const v = cookieValue(req.headers.get('cookie'), p.cookie.name);
        if (v) return { key: v };
        if (p.cookie.ttl !== undefined) {
          const value = Array.from({ length: 4 }, () => Math.floor(rt.random() * 0x100000000).toString(16).padStart(8, '0')).join('');
          return { key: value, setCookie: setCookieValue(p.cookie, value) };
        }
      } else if (p.connection_properties?.source_ip) {
        if (req.sourceIp) return { key: req.sourceIp };
      } else if (p.query_parameter) {
        const v = firstQueryValue(req.query, p.query_parameter.name, false); // as sent (Envoy parseQueryString)
        if (v !== undefined) return { key: v };
      }
    }
    return {};
  };
}
