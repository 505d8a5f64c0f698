import type { HeaderValueOption } from '../../xds/resources/common.ts';
import { TOKEN, type HeaderBag } from '../http/header-map.ts';

// Envoy header manipulation (request_headers_to_add/remove, response_…): compiled once per
// route, applied per request in Envoy's order — removals, then additions.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers

export interface HeaderOps {
  remove: readonly string[];
  set: readonly (readonly [string, string])[];
  /** OVERWRITE_IF_EXISTS: replaced when present, never added. */
  overwrite: readonly (readonly [string, string])[];
  append: readonly (readonly [string, string])[];
  addIfAbsent: readonly (readonly [string, string])[];
}

export const NO_HEADER_OPS: HeaderOps = { remove: [], set: [], overwrite: [], append: [], addIfAbsent: [] };

/** A header name or value a request could never carry fails the snapshot (NACK), not each request. */
function checked(name: string, value?: string): string {
  if (!TOKEN.test(name)) throw new Error(`header operation: ${JSON.stringify(name)} is not a valid header name`);
  if (value !== undefined && /[\0\r\n]/.test(value)) throw new Error(`header operation ${JSON.stringify(name)}: the value may not contain NUL, CR or LF`);
  return name.toLowerCase();
}

export function compileHeaderOps(add: readonly HeaderValueOption[] | undefined, remove: readonly string[] | undefined): HeaderOps {
  if (!add?.length && !remove?.length) return NO_HEADER_OPS;
  const ops = { remove: (remove ?? []).map((h) => checked(h)), set: [] as [string, string][], overwrite: [] as [string, string][], append: [] as [string, string][], addIfAbsent: [] as [string, string][] };
  for (const o of add ?? []) {
    const entry: [string, string] = [checked(o.header.key, o.header.value), o.header.value];
    if (o.append_action === 'OVERWRITE_IF_EXISTS_OR_ADD') ops.set.push(entry);
    else if (o.append_action === 'OVERWRITE_IF_EXISTS') ops.overwrite.push(entry);
    else if (o.append_action === 'ADD_IF_ABSENT') ops.addIfAbsent.push(entry);
    else ops.append.push(entry);
  }
  return ops;
}

export function applyHeaderOps(ops: HeaderOps, h: HeaderBag): void {
  if (ops === NO_HEADER_OPS) return;
  for (const n of ops.remove) h.delete(n);
  for (const [n, v] of ops.set) h.set(n, v);
  for (const [n, v] of ops.overwrite) if (h.has(n)) h.set(n, v);
  for (const [n, v] of ops.append) h.append(n, v);
  for (const [n, v] of ops.addIfAbsent) if (!h.has(n)) h.set(n, v);
}
