// Hop-by-hop headers are for one connection only and are not forwarded (RFC 9110 §7.6.1
// https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1; `TE` §10.1.4, `Upgrade` §7.8,
// `Proxy-Authenticate`/`Proxy-Authorization` §11.7). Envoy strips the same set, keeps
// `te: trailers` (needed by gRPC) and passes a WebSocket upgrade through
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades).

import { TOKEN, type HeaderBag } from './header-map.ts';

/** Always removed (besides whatever `Connection` names). */
export const HOP_BY_HOP_HEADERS: readonly string[] = Object.freeze([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'proxy-authenticate',
  'proxy-authorization',
  'trailer',
]);

function tokens(value: string | null): string[] {
  if (!value) return [];
  // The usual answer from an upstream: `Connection: keep-alive` (or `close`), nothing it names to remove.
  if (value === 'keep-alive' || value === 'close') return [value];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.split(';')[0]!.trim().toLowerCase(); // drop TE's `;q=` parameters
    if (t !== '' && TOKEN.test(t)) out.push(t);
  }
  return out;
}

/** `Connection: upgrade` with `Upgrade: websocket` (RFC 6455 §4.1). */
export function isWebSocketUpgrade(headers: HeaderBag): boolean {
  return isWebSocket(headers.get('connection'), headers.get('upgrade'));
}
const isWebSocket = (connection: string | null, upgrade: string | null) => tokens(connection).includes('upgrade') && tokens(upgrade).some((t) => t === 'websocket');

export interface HopByHopOptions {
  /**
   * Keep a WebSocket upgrade (`upgrade: websocket` + `connection: upgrade`). Default: for requests
   * (`'request'`), when the request is a WebSocket upgrade; for responses, false unless set
   * (pass `status === 101`).
   */
  keepWebSocketUpgrade?: boolean;
}

/**
 * Removes hop-by-hop headers in place (and returns `headers`): `Connection` and every header it
 * names, `Keep-Alive`, `Proxy-Connection`, `Transfer-Encoding`, `Trailer`, `Proxy-Authenticate`,
 * `Proxy-Authorization`, `Upgrade` (kept for a WebSocket upgrade), and `TE` except `trailers`.
 */
export function stripHopByHop<H extends HeaderBag>(headers: H, kind: 'request' | 'response' = 'request', opts: HopByHopOptions = {}): H {
  // A fixed number of calls, no iteration: on a runtime `Headers` (responses) each call crosses
  // into native code, and walking every header costs more than asking for the few that matter.
  const connection = headers.get('connection');
  const upgrade = headers.get('upgrade');
  const ws = opts.keepWebSocketUpgrade ?? (kind === 'request' && upgrade !== null && isWebSocket(connection, upgrade));
  const te = kind === 'request' && tokens(headers.get('te')).includes('trailers');
  if (connection !== null) for (const name of tokens(connection)) if (!(ws && name === 'upgrade')) headers.delete(name);
  for (const name of HOP_BY_HOP_HEADERS) headers.delete(name);
  if (te) headers.set('te', 'trailers');
  if (ws) {
    headers.set('connection', 'upgrade');
    headers.set('upgrade', 'websocket');
  }
  return headers;
}
