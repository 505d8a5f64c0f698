// Client address and x-forwarded-* / x-envoy-* header handling at the edge, as an Envoy gateway
// with `use_remote_address: true` (what Istio configures on gateways) does it:
// - x-forwarded-for: the client address is appended
//   https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-for
// - x-forwarded-proto: set to the downstream scheme for external requests (a trusted internal
//   caller's valid value is kept) …#x-forwarded-proto
// - x-envoy-external-address: the client address on external requests; an internal caller's is
//   passed on (so services deep in the mesh see the original client) …#x-envoy-external-address
// - x-envoy-internal: `true` on internal requests only …#x-envoy-internal
// - Internal vs external: the client address is loopback, RFC 1918, ULA, link-local or a
//   configured CIDR (Envoy's `internal_address_config`); x-envoy-* control headers from external
//   clients are removed before the router sees them
//   https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/header_sanitizing
// - x-forwarded-host: the authority the route produced (Envoy's `append_x_forwarded_host`;
//   DESIGN.md "Upstream Host").
// At the Cloudflare edge the TCP peer is Cloudflare itself; `CF-Connecting-IP` carries the real
// client and is only meaningful when the request came through Cloudflare. Locally (Miniflare,
// workerd) nothing sets it, so there is no client address unless the caller supplies a fallback.

import type { HeaderBag } from './header-map.ts';
import { SVID_HEADER } from '../../mtls/workload-identity.ts';

// ---------------------------------------------------------------------------------------------
// IP addresses and CIDRs

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

function parseV4(s: string): Uint8Array | null {
  const m = IPV4.exec(s);
  if (!m) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const part = m[i + 1]!;
    if (part.length > 1 && part[0] === '0') return null; // no octal-looking octets
    const n = Number(part);
    if (n > 255) return null;
    out[i] = n;
  }
  return out;
}

function parseV6(s: string): Uint8Array | null {
  const zone = s.indexOf('%');
  if (zone !== -1) s = s.slice(0, zone); // a zone id does not change the address
  if (s === '' || s.indexOf(':') === -1) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups: number[] = [];
  const parseSide = (side: string, allowV4Tail: boolean): number[] | null => {
    if (side === '') return [];
    const parts = side.split(':');
    const out: number[] = [];
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!;
      if (allowV4Tail && i === parts.length - 1 && p.indexOf('.') !== -1) {
        const v4 = parseV4(p);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!HEX_GROUP.test(p)) return null;
        out.push(parseInt(p, 16));
      }
    }
    return out;
  };
  if (halves.length === 2) {
    const head = parseSide(halves[0]!, false);
    const tail = parseSide(halves[1]!, true);
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups.push(...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail);
  } else {
    const all = parseSide(s, true);
    if (!all || all.length !== 8) return null;
    groups.push(...all);
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = groups[i]! >> 8;
    out[2 * i + 1] = groups[i]! & 0xff;
  }
  return out;
}

/**
 * Parses an IPv4 or IPv6 address (brackets and an IPv6 zone id allowed) into 4 or 16 bytes;
 * an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`) comes back as its 4 IPv4 bytes. Null if invalid.
 */
export function parseIp(value: string | null | undefined): Uint8Array | null {
  if (typeof value !== 'string') return null;
  let s = value.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  if (s.indexOf(':') === -1) return parseV4(s);
  const v6 = parseV6(s);
  if (!v6) return null;
  let mapped = v6[10] === 0xff && v6[11] === 0xff;
  for (let i = 0; mapped && i < 10; i++) if (v6[i] !== 0) mapped = false;
  return mapped ? v6.slice(12) : v6;
}

interface Cidr {
  bytes: Uint8Array;
  bits: number;
}
/** A compiled set of CIDRs (build once with {@link compileCidrs}). */
export interface CidrSet {
  readonly v4: readonly Cidr[];
  readonly v6: readonly Cidr[];
}

/** Compiles `a.b.c.d/n`, `x::/n` or bare addresses; throws on an invalid entry. */
export function compileCidrs(list: readonly string[]): CidrSet {
  const v4: Cidr[] = [];
  const v6: Cidr[] = [];
  for (const entry of list) {
    const slash = entry.indexOf('/');
    const addr = slash === -1 ? entry : entry.slice(0, slash);
    const bytes = parseIp(addr);
    if (!bytes) throw new Error(`invalid CIDR ${JSON.stringify(entry)}`);
    const max = bytes.length * 8;
    let bits = max;
    if (slash !== -1) {
      const b = entry.slice(slash + 1);
      if (!/^\d{1,3}$/.test(b)) throw new Error(`invalid CIDR ${JSON.stringify(entry)}`);
      // A prefix written against an IPv4-mapped IPv6 address counts the 96 mapped bits.
      bits = Number(b) - (bytes.length === 4 && addr.indexOf(':') !== -1 ? 96 : 0);
      if (bits < 0 || bits > max) throw new Error(`invalid CIDR prefix ${JSON.stringify(entry)}`);
    }
    (bytes.length === 4 ? v4 : v6).push({ bytes, bits });
  }
  return { v4, v6 };
}

function inCidr(ip: Uint8Array, c: Cidr): boolean {
  let bits = c.bits;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((ip[i]! & mask) !== (c.bytes[i]! & mask)) return false;
  }
  return true;
}

/** True when `ip` (parsed or a string) lies in any CIDR of `set`. */
export function ipInCidrs(ip: string | Uint8Array | null | undefined, set: CidrSet): boolean {
  const bytes = typeof ip === 'string' || ip == null ? parseIp(ip) : ip;
  if (!bytes) return false;
  const list = bytes.length === 4 ? set.v4 : set.v6;
  for (const c of list) if (inCidr(bytes, c)) return true;
  return false;
}

/** Loopback, RFC 1918, link-local (v4 and v6), IPv6 loopback and unique-local (RFC 4193). */
export const INTERNAL_CIDRS: readonly string[] = Object.freeze([
  '127.0.0.0/8',
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  '::1/128',
  'fc00::/7',
  'fe80::/10',
]);
const BUILTIN_INTERNAL = compileCidrs(INTERNAL_CIDRS);
const compiledLists = new WeakMap<readonly string[], CidrSet>();

/**
 * Whether a caller counts as internal (mesh workload, loopback, private network): its address is
 * in {@link INTERNAL_CIDRS} or in `trustedCidrs` (compiled once per array, or pass a
 * {@link CidrSet}). No or an unparsable address ⇒ external.
 */
export function isInternalCaller(clientIp: string | null | undefined, trustedCidrs?: CidrSet | readonly string[]): boolean {
  // Most requests at one location come from few addresses (locally, always loopback): remember the last answer.
  if (!trustedCidrs && clientIp && lastInternal?.ip === clientIp) return lastInternal.internal;
  const internal = internalCaller(clientIp, trustedCidrs);
  if (!trustedCidrs && clientIp) lastInternal = { ip: clientIp, internal };
  return internal;
}
let lastInternal: { ip: string; internal: boolean } | undefined;

/**
 * Whether a request comes from the caller itself rather than through it: Envoy counts a request
 * as internal only when it arrived without `x-forwarded-for` (a private-address proxy relaying
 * someone else's request is not internal). Cloudflare appends the client address itself, so an
 * `x-forwarded-for` holding only that address still counts as direct.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-envoy-internal
 */
export function arrivedDirectly(xff: string | null, clientIp: string): boolean {
  return xff === null || xff.trim() === '' || xff.trim() === clientIp;
}

function internalCaller(clientIp: string | null | undefined, trustedCidrs?: CidrSet | readonly string[]): boolean {
  const bytes = parseIp(clientIp);
  if (!bytes) return false;
  if (ipInCidrs(bytes, BUILTIN_INTERNAL)) return true;
  if (!trustedCidrs) return false;
  let set: CidrSet;
  if (Array.isArray(trustedCidrs)) {
    const list = trustedCidrs as readonly string[];
    let cached = compiledLists.get(list);
    if (!cached) compiledLists.set(list, (cached = compileCidrs(list)));
    set = cached;
  } else {
    set = trustedCidrs as CidrSet;
  }
  return ipInCidrs(bytes, set);
}

// ---------------------------------------------------------------------------------------------
// Client address

export interface ClientIpOptions {
  /** The request came through Cloudflare's edge (deployed worker): trust `CF-Connecting-IP`. */
  viaCloudflare: boolean;
  /** Address to use otherwise, e.g. `127.0.0.1` for a local mesh on loopback; default none. */
  fallback?: string | null;
}

/** The client's IP address, or null when unknown (locally, or an invalid CF-Connecting-IP). */
export function clientIpOf(headers: HeaderBag, opts: ClientIpOptions): string | null {
  if (opts.viaCloudflare) {
    const v = headers.get('cf-connecting-ip')?.trim();
    if (v && parseIp(v)) return v;
    return null;
  }
  return opts.fallback && validFallback(opts.fallback) ? opts.fallback : null;
}

// The fallback is the same string on every request: parse it once.
let lastFallback: { ip: string; ok: boolean } | undefined;
function validFallback(ip: string): boolean {
  if (lastFallback?.ip !== ip) lastFallback = { ip, ok: parseIp(ip) !== null };
  return lastFallback.ok;
}

// ---------------------------------------------------------------------------------------------
// Headers

/**
 * x-envoy-* request headers Envoy sanitizes from external requests (header_sanitizing), plus the
 * other router-control headers (retriable codes/headers, hedging) that would let an external
 * client steer retries and timeouts.
 */
export const UNTRUSTED_ENVOY_HEADERS: readonly string[] = Object.freeze([
  'x-envoy-decorator-operation',
  'x-envoy-downstream-service-cluster',
  'x-envoy-downstream-service-node',
  'x-envoy-expected-rq-timeout-ms',
  'x-envoy-external-address',
  'x-envoy-force-trace',
  'x-envoy-internal',
  'x-envoy-ip-tags',
  'x-envoy-max-retries',
  'x-envoy-original-url',
  'x-envoy-retry-grpc-on',
  'x-envoy-retry-on',
  'x-envoy-retriable-status-codes',
  'x-envoy-retriable-header-names',
  'x-envoy-hedge-on-per-try-timeout',
  'x-envoy-upstream-alt-stat-name',
  'x-envoy-upstream-rq-per-try-timeout-ms',
  'x-envoy-upstream-rq-timeout-alt-response',
  'x-envoy-upstream-rq-timeout-ms',
  'x-envoy-upstream-stream-duration-ms',
]);

/** Removes {@link UNTRUSTED_ENVOY_HEADERS} in place (for external callers); returns `headers`. */
const UNTRUSTED_SET: ReadonlySet<string> = new Set(UNTRUSTED_ENVOY_HEADERS);

export function stripUntrusted<H extends HeaderBag>(headers: H): H {
  // Scan once and delete only what is present.
  let present: string[] | undefined;
  for (const name of headers.keys()) if (name.startsWith('x-envoy-') && UNTRUSTED_SET.has(name)) (present ??= []).push(name);
  if (present) for (const name of present) headers.delete(name);
  return headers;
}

/**
 * Client-certificate headers. Istio configures gateways with Envoy's SANITIZE_SET: what a client
 * sends is removed before routing, and only the gateway sets XFCC for a peer it verified.
 * https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#x-forwarded-client-cert
 */
export const CLIENT_CERT_HEADERS = ['x-forwarded-client-cert', 'client-cert', 'client-cert-chain'] as const;

export interface ForwardedInput {
  /** The client address ({@link clientIpOf}); null when unknown. */
  clientIp: string | null;
  /** Scheme the client used at the edge. */
  scheme: 'http' | 'https';
  /** {@link isInternalCaller} for this client. */
  internal: boolean;
  /** The authority the route produced (request Host, `rewrite.authority`, mirror `-shadow`). */
  authority?: string | null;
}

/**
 * Sets the forwarding headers on the upstream request's `headers` in place. x-forwarded-proto is
 * the scheme the request arrived with. External callers: x-envoy-* control headers stripped,
 * x-envoy-external-address set to the client; internal callers: x-envoy-internal: true. The
 * client address is appended to x-forwarded-for unless already its last entry (Cloudflare appends
 * it itself before the worker sees the request).
 */
export function applyForwardedHeaders<H extends HeaderBag>(headers: H, f: ForwardedInput): H {
  if (!f.internal) stripUntrusted(headers);
  for (const name of CLIENT_CERT_HEADERS) headers.delete(name);
  // A Worker's JWT-SVID is a credential for this gateway alone: peer authentication reads it from
  // the request as it arrived, and it never goes upstream, on any path (docs/identity.md).
  headers.delete(SVID_HEADER);

  if (f.clientIp) {
    const xff = headers.get('x-forwarded-for');
    if (xff === null || xff.trim() === '') headers.set('x-forwarded-for', f.clientIp);
    else {
      const last = xff.slice(xff.lastIndexOf(',') + 1).trim();
      if (last !== f.clientIp) headers.set('x-forwarded-for', `${xff}, ${f.clientIp}`);
    }
  }

  // Envoy with no trusted hops (Istio's gateway default) overwrites it for every caller.
  headers.set('x-forwarded-proto', f.scheme);

  if (f.internal) headers.set('x-envoy-internal', 'true');
  else if (f.clientIp) headers.set('x-envoy-external-address', f.clientIp);

  if (f.authority) headers.set('x-forwarded-host', f.authority);
  return headers;
}
