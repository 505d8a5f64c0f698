// x-request-id: kept from the request when it is a sane identifier, otherwise a fresh UUID v4
// (DESIGN.md "Gateways answer like Envoy": every response carries x-request-id).
// Envoy: https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-request-id
// (UUID4 by default; `preserve_external_request_id` keeps an edge request's own id — meshgate
// keeps it, but only if it looks like an id: bounded length, no control characters, a
// conservative character set, so it is safe to log and to echo back).

import type { HeaderBag } from './header-map.ts';

export const REQUEST_ID_HEADER = 'x-request-id';
/** Longest incoming id kept (a UUID is 36; room for prefixed/other id schemes). */
export const MAX_REQUEST_ID_LENGTH = 128;

// Letters, digits and the punctuation id schemes use (UUID, ULID, base64/base64url, dotted, prefixed).
const VALID_ID = /^[A-Za-z0-9._~:+=/-]+$/;

/** True when `value` may be kept as a request id. */
export function isValidRequestId(value: string | null | undefined): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_REQUEST_ID_LENGTH && VALID_ID.test(value);
}

export interface RequestIdOptions {
  /** Keep a valid incoming id (default true). false ⇒ always generate (Envoy's edge default). */
  preserveExternal?: boolean;
  /** Id generator (default `crypto.randomUUID`). */
  generate?: () => string;
}

const defaultGenerate = (): string => crypto.randomUUID();

/**
 * The request id for this request: the incoming `x-request-id` when valid (and preserved), else a
 * new UUID v4. Sets it on `headers` (so the upstream sees it) and returns it for the response.
 */
export function ensureRequestId(headers: HeaderBag, opts: RequestIdOptions = {}): { id: string; generated: boolean } {
  const incoming = headers.get(REQUEST_ID_HEADER);
  if (opts.preserveExternal !== false && incoming !== null) {
    const trimmed = incoming.trim();
    if (isValidRequestId(trimmed)) {
      if (trimmed !== incoming) headers.set(REQUEST_ID_HEADER, trimmed);
      return { id: trimmed, generated: false };
    }
  }
  const id = (opts.generate ?? defaultGenerate)();
  headers.set(REQUEST_ID_HEADER, id);
  return { id, generated: true };
}
