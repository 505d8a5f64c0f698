import type { HeaderValueOption } from '../../xds/resources/common.ts';
import type { HeaderBag } from '../http/header-map.ts';

// Envoy header manipulation (request_headers_to_add/remove, response_…): compiled once per
// route, applied per request in Envoy's order — removals, then additions.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers

export interface HeaderOps {
  remove: readonly string[];
  set: readonly (readonly [string, string])[];
  append: readonly (readonly [string, string])[];
  addIfAbsent: readonly (readonly [string, string])[];
}

export const NO_HEADER_OPS: HeaderOps = { remove: [], set: [], append: [], addIfAbsent: [] };

export function compileHeaderOps(add: readonly HeaderValueOption[] | undefined, remove: readonly string[] | undefined): HeaderOps {
  if (!add?.length && !remove?.length) return NO_HEADER_OPS;
  const ops = { remove: (remove ?? []).map((h) => h.toLowerCase()), set: [] as [string, string][], append: [] as [string, string][], addIfAbsent: [] as [string, string][] };
  for (const o of add ?? []) {
    const entry: [string, string] = [o.header.key.toLowerCase(), o.header.value];
    if (o.append_action === 'OVERWRITE_IF_EXISTS_OR_ADD' || o.append_action === 'OVERWRITE_IF_EXISTS') ops.set.push(entry);
    else if (o.append_action === 'ADD_IF_ABSENT') ops.addIfAbsent.push(entry);
    else ops.append.push(entry);
  }
  return ops;
}

export function applyHeaderOps(ops: HeaderOps, h: HeaderBag): void {
  if (ops === NO_HEADER_OPS) return;
  for (const n of ops.remove) h.delete(n);
  for (const [n, v] of ops.set) h.set(n, v);
  for (const [n, v] of ops.append) h.append(n, v);
  for (const [n, v] of ops.addIfAbsent) if (!h.has(n)) h.set(n, v);
}
