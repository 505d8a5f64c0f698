import type { FilterContext } from '../chain.ts';
import { parseIp, type ParsedIp } from './cidr.ts';

// The attributes authorization judges, derived once per request from the filter context and
// shared by every authorization filter of the request. Headers and metadata are read live from
// the context, because earlier filters (jwt_authn, the CUSTOM shadow rules) change them.
//
// Edge mapping (docs/security.md "Attributes at the edge"):
// - peer principal: `ctx.peer.principal` (verified by peer authentication) as a SPIFFE URI;
// - `source.ip`/ipBlocks (Envoy direct_remote_ip) and `remote.ip`/remoteIpBlocks (remote_ip): both
//   the client address the pipeline trusts (`ctx.clientIp`, CF-Connecting-IP only from
//   Cloudflare) — at the edge the downstream peer is the client itself;
// - `destination.port`: the edge port (a destination stage: the destination's); `destination.ip`:
//   unknown at the edge, never matches;
// - `connection.sni`: the request's host (Host without port), since Cloudflare ends client TLS.

export interface AuthzRequest {
  readonly ctx: FilterContext;
  /** `spiffe://<td>/ns/<ns>/sa/<sa>` of the verified peer, if any. */
  readonly peerUri: string | undefined;
  readonly ip: ParsedIp | undefined;
  readonly sni: string;
}

const cache = new WeakMap<FilterContext, AuthzRequest>();

function hostOf(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1).toLowerCase();
  const colon = authority.lastIndexOf(':');
  return (colon >= 0 && /^\d*$/.test(authority.slice(colon + 1)) ? authority.slice(0, colon) : authority).toLowerCase();
}

export function authzRequest(ctx: FilterContext): AuthzRequest {
  let r = cache.get(ctx);
  if (!r) {
    const p = ctx.peer?.principal;
    r = {
      ctx,
      peerUri: p ? (p.startsWith('spiffe://') ? p : `spiffe://${p}`) : undefined,
      ip: parseIp(ctx.clientIp),
      sni: hostOf(ctx.authority),
    };
    cache.set(ctx, r);
  }
  return r;
}

/** A header as Envoy's matchers see it; pseudo-headers from the request line. */
export function headerValue(r: AuthzRequest, name: string): string | undefined {
  const c = r.ctx;
  switch (name) {
    case ':authority':
    case 'host':
      return c.authority;
    case ':method':
      return c.method;
    case ':path':
      return c.query ? `${c.path}?${c.query}` : c.path;
    case ':scheme':
      return c.scheme;
  }
  return c.headers.get(name) ?? undefined;
}

/** A value in dynamic metadata `filter` at key path `path`, or undefined. */
export function metadataValue(r: AuthzRequest, filter: string, path: readonly string[]): unknown {
  let v: unknown = r.ctx.metadata[filter];
  for (const key of path) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}
