import { RE2JS } from 're2js';
import type { HeaderMatcher } from '../../../xds/resources/route.ts';
import type { StringMatcher } from '../../../xds/resources/common.ts';
import type { MetadataMatcher, Permission, Policy, Principal, ValueMatcher } from '../../../xds/filters/rbac.ts';
import { compileCidr } from './cidr.ts';
import { compileUriTemplate } from './uri-template.ts';
import { authzRequest, headerValue, metadataValue, type AuthzRequest } from './request.ts';
import type { FilterContext } from '../chain.ts';
import { TOKEN } from '../../http/header-map.ts';

// Envoy RBAC permissions and principals compiled once per snapshot into predicates (regexes,
// CIDR ranges and URI templates included), so a request only evaluates.
// https://www.envoyproxy.io/docs/envoy/latest/api-v3/config/rbac/v3/rbac.proto

export type Pred = (r: AuthzRequest) => boolean;

/** Istio's presence match (`.+`) without a regex engine. */
const NON_EMPTY = '.+';

export function compileString(m: StringMatcher): (v: string) => boolean {
  const ic = m.ignore_case === true;
  const norm = (s: string) => (ic ? s.toLowerCase() : s);
  if (m.exact !== undefined) { const e = norm(m.exact); return (v) => norm(v) === e; }
  if (m.prefix !== undefined) { const p = norm(m.prefix); return (v) => norm(v).startsWith(p); }
  if (m.suffix !== undefined) { const s = norm(m.suffix); return (v) => norm(v).endsWith(s); }
  if (m.contains !== undefined) { const c = norm(m.contains); return (v) => norm(v).includes(c); }
  if (m.safe_regex) {
    if (m.safe_regex.regex === NON_EMPTY) return (v) => v.length > 0;
    // Envoy's safe_regex is RE2 and matches the whole value.
    const re = RE2JS.compile(m.safe_regex.regex, ic ? RE2JS.CASE_INSENSITIVE : 0);
    return (v) => re.matches(v);
  }
  throw new Error('string matcher has no match kind');
}

function one<T extends object>(m: T, what: string): keyof T {
  const set = (Object.keys(m) as (keyof T)[]).filter((k) => m[k] !== undefined);
  if (set.length !== 1) throw new Error(`${what} must set exactly one field, got ${set.length ? set.join(', ') : 'none'}`);
  return set[0]!;
}

function compileHeader(h: HeaderMatcher): Pred {
  // Checked once per snapshot (a NACK), never left to throw on every request.
  if (!TOKEN.test(h.name.startsWith(':') ? h.name.slice(1) : h.name)) throw new Error(`header matcher: "${h.name}" is not a valid header name`);
  const name = h.name.toLowerCase();
  const sm = h.string_match ? compileString(h.string_match) : undefined;
  const base: Pred = (r) => {
    let v = headerValue(r, name);
    if (v === undefined) {
      if (!h.treat_missing_header_as_empty) return false;
      v = '';
    }
    if (sm) return sm(v);
    return h.present_match !== false;
  };
  return h.invert_match ? (r) => !base(r) : base;
}

const SPACE_DELIMITED = new Set(['scope', 'permission']);

function compileValue(m: ValueMatcher, splitSpaces: boolean): (v: unknown) => boolean {
  const kind = one(m, 'value matcher');
  switch (kind) {
    case 'string_match': {
      const sm = compileString(m.string_match!);
      return (v) => typeof v === 'string' && sm(v);
    }
    case 'present_match':
      return (v) => (v !== undefined && v !== null) === m.present_match;
    case 'bool_match':
      return (v) => v === m.bool_match;
    case 'list_match': {
      const inner = compileValue(m.list_match!.one_of, false);
      // A list claim matches when one element does. A single value counts as a list of one, and
      // `scope` / `permission` strings are space-delimited lists (Istio, reference §4.3).
      return (v) => {
        if (Array.isArray(v)) return v.some(inner);
        if (typeof v === 'string' && splitSpaces) return v.split(' ').filter(Boolean).some(inner); // Envoy StrSplit on ' '
        return v !== undefined && inner(v);
      };
    }
  }
  throw new Error(`unsupported value matcher ${String(kind)}`);
}

function compileMetadata(m: MetadataMatcher): Pred {
  const path = m.path.map((p) => p.key);
  // Envoy normalize_payload_in_metadata splits top-level claims only.
  const split = m.filter === 'istio_authn' && path[0] === 'request.auth.claims' && path.length === 2 && SPACE_DELIMITED.has(path[1]!);
  const value = compileValue(m.value, split);
  return m.invert ? (r) => !value(metadataValue(r, m.filter, path)) : (r) => value(metadataValue(r, m.filter, path));
}

const all = (ps: Pred[]): Pred => (r) => ps.every((p) => p(r));
const some = (ps: Pred[]): Pred => (r) => ps.some((p) => p(r));

export function compilePermission(p: Permission): Pred {
  const kind = one(p, 'permission');
  switch (kind) {
    case 'and_rules': return all(p.and_rules!.rules.map(compilePermission));
    case 'or_rules': return some(p.or_rules!.rules.map(compilePermission));
    case 'not_rule': { const inner = compilePermission(p.not_rule!); return (r) => !inner(r); }
    case 'any': return () => true;
    case 'header': return compileHeader(p.header!);
    case 'url_path': { const sm = compileString(p.url_path!.path); return (r) => sm(r.ctx.path); }
    case 'uri_template': { const t = compileUriTemplate(p.uri_template!.typed_config.path_template); return (r) => t(r.ctx.path); }
    // The edge does not know the address the client connected to.
    case 'destination_ip': compileCidr(p.destination_ip!); return () => false;
    case 'destination_port': { const port = p.destination_port!; return (r) => r.ctx.port === port; }
    case 'metadata': return compileMetadata(p.metadata!);
    case 'requested_server_name': { const sm = compileString(p.requested_server_name!); return (r) => sm(r.sni); }
  }
  throw new Error(`unsupported permission ${String(kind)}`);
}

export function compilePrincipal(p: Principal): Pred {
  const kind = one(p, 'principal');
  switch (kind) {
    case 'and_ids': return all(p.and_ids!.ids.map(compilePrincipal));
    case 'or_ids': return some(p.or_ids!.ids.map(compilePrincipal));
    case 'not_id': { const inner = compilePrincipal(p.not_id!); return (r) => !inner(r); }
    case 'any': return () => true;
    case 'authenticated': {
      const pn = p.authenticated!.principal_name;
      const sm = pn ? compileString(pn) : undefined;
      return (r) => r.peerUri !== undefined && (!sm || sm(r.peerUri));
    }
    case 'direct_remote_ip':
    case 'remote_ip': { const c = compileCidr(p[kind]!); return (r) => c(r.ip); }
    case 'header': return compileHeader(p.header!);
    case 'url_path': { const sm = compileString(p.url_path!.path); return (r) => sm(r.ctx.path); }
    case 'metadata': return compileMetadata(p.metadata!);
  }
  throw new Error(`unsupported principal ${String(kind)}`);
}

export interface CompiledPolicy {
  name: string;
  matches: Pred;
}

/** Envoy: a policy matches when any permission AND any principal match. */
export function compilePolicies(policies: Readonly<Record<string, Policy>>): CompiledPolicy[] {
  return Object.entries(policies).map(([name, p]) => {
    const perms = some(p.permissions.map(compilePermission));
    const ids = some(p.principals.map(compilePrincipal));
    return { name, matches: (r) => perms(r) && ids(r) };
  });
}

/** The first policy that matches, or undefined. */
export function firstMatch(policies: readonly CompiledPolicy[], ctx: FilterContext): string | undefined {
  const r = authzRequest(ctx);
  return policies.find((p) => p.matches(r))?.name;
}

/** A MetadataMatcher over the filter context (ext_authz `filter_enabled_metadata`). */
export function compileMetadataMatcher(m: MetadataMatcher): (ctx: FilterContext) => boolean {
  const pred = compileMetadata(m);
  return (ctx) => pred(authzRequest(ctx));
}
