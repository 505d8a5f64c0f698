// What the route matcher sees of a request: everything already parsed once per request.

import type { HeaderBag } from '../http/header-map.ts';

export interface MatchInput {
  /** Normalized path without the query string. */
  path: string;
  /** Request headers (names case-insensitive, as `Headers` gives them). Pseudo-headers are separate. */
  headers: HeaderBag;
  method: string;
  scheme: 'http' | 'https';
  /** The Host/:authority as sent, including any port. */
  authority: string;
  /** Raw query string without `?` (parsed lazily by matchers that need it). */
  query: string;
  /** Dynamic metadata, e.g. `istio_authn` → {`request.auth.claims`: {...}} after JWT verification. */
  metadata?: Record<string, Record<string, unknown>>;
  /**
   * Optional: each header's separate values in arrival order, keyed by lower-case name. `Headers`
   * joins repeated headers with `", "`; Envoy's header matchers see them joined with `","`. When
   * given, header matchers read this instead of `headers` (absent names count as missing).
   */
  rawHeaders?: ReadonlyMap<string, readonly string[]>;
}
