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
        const v = cookieValue(req.headers.get('cookie'), p.cookie.name);
        if (v !== undefined) return { key: v };
        if (p.cookie.ttl !== undefined) {
          const value = Array.from({ length: 4 }, () => Math.floor(rt.random() * 0x100000000).toString(16).padStart(8, '0')).join('');
          const ttl = durationMs(p.cookie.ttl);
          const attrs = [`${p.cookie.name}=${value}`, `Path=${p.cookie.path ?? '/'}`, ...(ttl > 0 ? [`Max-Age=${Math.floor(ttl / 1000)}`] : []), ...(p.cookie.attributes ?? []).map((a) => (a.value ? `${a.name}=${a.value}` : a.name)), 'HttpOnly'];
          return { key: value, setCookie: attrs.join('; ') };
        }
      } else if (p.connection_properties?.source_ip) {
        if (req.sourceIp) return { key: req.sourceIp };
      } else if (p.query_parameter) {
        const v = firstQueryValue(req.query, p.query_parameter.name);
        if (v !== undefined) return { key: v };
      }
    }
    return {};
  };
}
