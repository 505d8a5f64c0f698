// Authority (Host / :authority) parsing and the edge port of a request.
// RFC 9110 §7.2 (Host), RFC 3986 §3.2.2–3.2.3 (host, IP-literal in brackets, port).
// Envoy/Istio match virtual hosts case-insensitively with the port ignored
// (reference/istio-semantics.md, "Virtual host by Host/:authority").

export interface Authority {
  /** Lower-cased host; an IPv6 literal without its brackets. */
  host: string;
  /** The port when one was given (empty port ⇒ null, as RFC 3986 allows `host:`). */
  port: number | null;
  /** True for a bracketed IPv6 literal. */
  ipv6: boolean;
}

// reg-name / IPv4 characters (RFC 3986 unreserved + sub-delims + pct-encoded); no `@`, `/`, `?`, `#`, `:`, spaces.
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]+$/;
const IPV6_LITERAL = /^[0-9A-Fa-f:.]+$/;
const PORT = /^[0-9]{1,5}$/;

function parsePort(p: string): number | null | undefined {
  if (p === '') return null;
  if (!PORT.test(p)) return undefined;
  const n = Number(p);
  return n <= 65535 ? n : undefined;
}

/** Parses `host[:port]` or `[v6]:port`; null when malformed. */
export function parseAuthority(authority: string | null | undefined): Authority | null {
  if (typeof authority !== 'string') return null;
  const a = authority.trim();
  if (a === '') return null;
  if (a.charCodeAt(0) === 0x5b /* [ */) {
    const close = a.indexOf(']');
    if (close === -1) return null;
    const host = a.slice(1, close);
    if (!IPV6_LITERAL.test(host) || host.indexOf(':') === -1) return null;
    const rest = a.slice(close + 1);
    let port: number | null = null;
    if (rest !== '') {
      if (rest.charCodeAt(0) !== 0x3a /* : */) return null;
      const p = parsePort(rest.slice(1));
      if (p === undefined) return null;
      port = p;
    }
    return { host: host.toLowerCase(), port, ipv6: true };
  }
  const colon = a.indexOf(':');
  if (colon !== -1 && a.indexOf(':', colon + 1) !== -1) return null; // bare IPv6 must be bracketed
  const host = colon === -1 ? a : a.slice(0, colon);
  if (!REG_NAME.test(host)) return null;
  let port: number | null = null;
  if (colon !== -1) {
    const p = parsePort(a.slice(colon + 1));
    if (p === undefined) return null;
    port = p;
  }
  return { host: host.toLowerCase(), port, ipv6: false };
}

/**
 * Whether the host is written as a URL would write it (WHATWG host parsing). `127.0.0.%31`,
 * `0x7f.0.0.1` or `2130706433` are each 127.0.0.1 to `fetch`: routing and policy must never
 * judge one spelling while the upstream dials another.
 */
export function isCanonicalHost(a: Authority): boolean {
  const written = a.ipv6 ? `[${a.host}]` : a.host;
  try {
    return new URL(`http://${written}/`).hostname === written;
  } catch {
    return false;
  }
}

/**
 * An IPv4-mapped IPv6 literal (`::ffff:7f00:1`): the socket dials the IPv4 address, which policy
 * written for `127.0.0.1` would never see. Refused like the other second spellings.
 */
export const isMappedIpv4 = (a: Authority) => a.ipv6 && a.host.startsWith('::ffff:');

/** `host[:port]`, bracketing an IPv6 literal. */
export function formatAuthority(host: string, port?: number | null): string {
  const h = host.indexOf(':') !== -1 && host.charCodeAt(0) !== 0x5b ? `[${host}]` : host;
  return port == null ? h : `${h}:${port}`;
}

const DEFAULT_PORTS: Readonly<Record<string, number>> = Object.freeze({ 'http:': 80, 'ws:': 80, 'https:': 443, 'wss:': 443 });

/**
 * The port a request arrived on: `override` when given (e.g. the listener port a local mesh
 * assigns), else the URL's explicit port, else 80/443 by scheme. Throws on a URL whose scheme has
 * no default port and no port.
 */
export function edgePort(url: URL | string, override?: number | null): number {
  if (override != null) {
    if (!Number.isInteger(override) || override < 1 || override > 65535) throw new RangeError(`invalid port override ${override}`);
    return override;
  }
  const u = typeof url === 'string' ? new URL(url) : url;
  if (u.port !== '') return Number(u.port);
  const d = DEFAULT_PORTS[u.protocol];
  if (d === undefined) throw new RangeError(`no default port for scheme ${u.protocol}`);
  return d;
}
