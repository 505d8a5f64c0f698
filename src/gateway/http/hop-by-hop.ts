// Hop-by-hop headers are for one connection only and are not forwarded (RFC 9110 §7.6.1
// https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1; `TE` §10.1.4, `Upgrade` §7.8,
// `Proxy-Authenticate`/`Proxy-Authorization` §11.7). Envoy strips the same set, keeps
// `te: trailers` (needed by gRPC) and passes a WebSocket upgrade through
// (https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/http/upgrades).

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
const HOP_SET = new Set(HOP_BY_HOP_HEADERS);
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

function tokens(value: string | null): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const t = part.split(';')[0]!.trim().toLowerCase(); // drop TE's `;q=` parameters
    if (t !== '' && TOKEN.test(t)) out.push(t);
  }
  return out;
}

/** `Connection: upgrade` with `Upgrade: websocket` (RFC 6455 §4.1). */
export function isWebSocketUpgrade(headers: Headers): boolean {
  return tokens(headers.get('connection')).includes('upgrade') && tokens(headers.get('upgrade')).some((t) => t === 'websocket');
}

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
export function stripHopByHop(headers: Headers, kind: 'request' | 'response' = 'request', opts: HopByHopOptions = {}): Headers {
  // One pass over what is there: hop-by-hop headers are rare, and every Headers call crosses
  // into the runtime, so most requests make no delete at all.
  let present: string[] | undefined;
  for (const [name] of headers) if (HOP_SET.has(name)) (present ??= []).push(name);
  if (!present) return headers;
  const ws = opts.keepWebSocketUpgrade ?? (kind === 'request' && isWebSocketUpgrade(headers));
  const te = kind === 'request' && tokens(headers.get('te')).includes('trailers');
  const named = tokens(headers.get('connection'));
  for (const name of named) if (!(ws && name === 'upgrade')) headers.delete(name);
  for (const name of present) headers.delete(name);
  if (te) headers.set('te', 'trailers');
  if (ws) {
    headers.set('connection', 'upgrade');
    headers.set('upgrade', 'websocket');
  }
  return headers;
}
