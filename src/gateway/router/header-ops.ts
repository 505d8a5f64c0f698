import type { HeaderValueOption } from '../../xds/resources/common.ts';
import { TOKEN, type HeaderBag } from '../http/header-map.ts';
import { compileHeaderValue, type FormatContext, type HeaderValue } from './header-format.ts';

// Envoy header manipulation (request_headers_to_add/remove, response_…): compiled once per
// route, applied per request in Envoy's order — removals, then additions.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers

export interface HeaderOps {
  remove: readonly string[];
  set: readonly Entry[];
  /** OVERWRITE_IF_EXISTS: replaced when present, never added. */
  overwrite: readonly Entry[];
  append: readonly Entry[];
  addIfAbsent: readonly Entry[];
  /** Some value uses the formatter (`%REQ(x)%`, …) and needs the request's context. */
  dynamic: boolean;
}
type Entry = readonly [string, HeaderValue];

export const NO_HEADER_OPS: HeaderOps = { remove: [], set: [], overwrite: [], append: [], addIfAbsent: [], dynamic: false };

/** A header name or value a request could never carry fails the snapshot (NACK), not each request. */
function checked(name: string, value?: string): string {
  if (!TOKEN.test(name)) throw new Error(`header operation: ${JSON.stringify(name)} is not a valid header name`);
  if (value !== undefined && /[\0\r\n]/.test(value)) throw new Error(`header operation ${JSON.stringify(name)}: the value may not contain NUL, CR or LF`);
  return name.toLowerCase();
}

export function compileHeaderOps(add: readonly HeaderValueOption[] | undefined, remove: readonly string[] | undefined): HeaderOps {
  if (!add?.length && !remove?.length) return NO_HEADER_OPS;
  const ops = { remove: (remove ?? []).map((h) => checked(h)), set: [] as Entry[], overwrite: [] as Entry[], append: [] as Entry[], addIfAbsent: [] as Entry[], dynamic: false };
  for (const o of add ?? []) {
    const name = checked(o.header.key, o.header.value);
    const value = compileHeaderValue(o.header.value);
    // Envoy adds no header whose value is empty (keep_empty_value is false): drop it here.
    if (value === '') continue;
    if (typeof value !== 'string') ops.dynamic = true;
    const entry: Entry = [name, value];
    if (o.append_action === 'OVERWRITE_IF_EXISTS_OR_ADD') ops.set.push(entry);
    else if (o.append_action === 'OVERWRITE_IF_EXISTS') ops.overwrite.push(entry);
    else if (o.append_action === 'ADD_IF_ABSENT') ops.addIfAbsent.push(entry);
    else ops.append.push(entry);
  }
  return ops;
}

/**
 * Applies the operations to `h`: the request's headers (`req.headers`), or a response's when
 * `responseStatus` is given. Formatted values are computed first, all against the headers as they are
 * after the removals (Envoy's HeaderParser::evaluateHeaders), and one that comes out empty is not
 * added.
 */
export function applyHeaderOps(ops: HeaderOps, h: HeaderBag, req?: FormatContext['request'], clientIp: string | null = null, responseStatus?: number): void {
  if (ops === NO_HEADER_OPS) return;
  for (const n of ops.remove) h.delete(n);
  if (!ops.dynamic) {
    for (const [n, v] of ops.set) h.set(n, v as string);
    for (const [n, v] of ops.overwrite) if (h.has(n)) h.set(n, v as string);
    for (const [n, v] of ops.append) h.append(n, v as string);
    for (const [n, v] of ops.addIfAbsent) if (!h.has(n)) h.set(n, v as string);
    return;
  }
  const request = req ?? { headers: h, path: '', query: '', method: '', scheme: 'http' as const };
  const ctx: FormatContext = responseStatus !== undefined ? { clientIp, request, response: { headers: h, status: responseStatus } } : { clientIp, request };
  const val = (v: HeaderValue) => (typeof v === 'string' ? v : v(ctx));
  const set = ops.set.map(([n, v]) => [n, val(v)] as const);
  const overwrite = ops.overwrite.map(([n, v]) => [n, val(v)] as const);
  const append = ops.append.map(([n, v]) => [n, val(v)] as const);
  const addIfAbsent = ops.addIfAbsent.map(([n, v]) => [n, val(v)] as const);
  for (const [n, v] of set) if (v !== '') h.set(n, v);
  for (const [n, v] of overwrite) if (v !== '' && h.has(n)) h.set(n, v);
  for (const [n, v] of append) if (v !== '') h.append(n, v);
  for (const [n, v] of addIfAbsent) if (v !== '' && !h.has(n)) h.set(n, v);
}
