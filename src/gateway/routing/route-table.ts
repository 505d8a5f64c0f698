import type { RE2JS } from 're2js';
import type { Route, RouteConfiguration, RouteMatch, VirtualHost } from '../../xds/resources/route.ts';
import type { MatchInput } from './match-input.ts';
import { CompiledHeaderMatcher, CompiledMetadataMatcher, CompiledQueryMatcher } from './matchers.ts';
import { RadixTree, type RadixNode } from './radix.ts';
import { asciiLower, compileRegex, within } from './string-matcher.ts';
import { regexLiteralPrefix, splitRegexAtLiteral } from './regex-prefix.ts';

// Local copies of the ASCII folding helpers: the per-request walk should not call through module
// bindings (some loaders turn those into getters on the hot path).
const foldCode = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);
function foldedAt(s: string, pos: number, lowerNeedle: string): boolean {
  const n = lowerNeedle.length;
  if (pos < 0 || pos + n > s.length) return false;
  for (let i = 0; i < n; i++) if (foldCode(s.charCodeAt(pos + i)) !== lowerNeedle.charCodeAt(i)) return false;
  return true;
}

// The route table of one gateway port, compiled once per snapshot (DESIGN.md "Inside the two
// planes"). Semantics are Envoy's — virtual host by domain (exact > longest suffix wildcard >
// longest prefix wildcard > `*`), then routes in order, first whole-RouteMatch hit wins — but the
// route lookup is indexed: exact paths in a hash map, prefixes (and regexes with a literal
// prefix) in radix trees, the rest in an always-check list. A request collects the candidate
// lists (one exact hit, the prefix lists along its path, the always-check list), each already in
// route order, and returns the lowest-index candidate whose remaining conditions hold.

type PathKind = 'exact' | 'prefix' | 'regex';

/** A route's path condition, for routes found where the index alone does not prove it. */
class PathCheck {
  constructor(
    readonly kind: PathKind,
    /** exact/prefix literal, ASCII lower-cased when `!caseSensitive`; for a regex, the literal split off its start ('' when none). */
    readonly text: string,
    readonly caseSensitive: boolean,
    readonly re: RE2JS | undefined,
    /** A prefix containing `?` is compared against `path?query`, as Envoy compares it with :path. */
    readonly withQuery: boolean,
  ) {}

  matches(input: MatchInput): boolean {
    if (this.kind === 'regex') {
      const p = input.path;
      return this.text === '' ? this.re!.matches(p) : p.startsWith(this.text) && this.re!.matches(p.slice(this.text.length));
    }
    const s = this.withQuery && input.query !== '' ? `${input.path}?${input.query}` : input.path;
    if (this.kind === 'exact') return this.caseSensitive ? s === this.text : s.length === this.text.length && foldedAt(s, 0, this.text);
    return this.caseSensitive ? s.startsWith(this.text) : foldedAt(s, 0, this.text);
  }
}

/** One compiled route: the source `Route`, its position in the virtual host, and its matchers. */
export class CompiledRoute {
  /** The route's `name`, or `""` when unnamed (Envoy logs `-` for that). */
  readonly name: string;
  /** Set by the virtual host that owns this route. */
  virtualHost!: CompiledVirtualHost;
  /** True when the path index alone decides the match (no path re-check, no other conditions). */
  readonly unconditional: boolean;

  constructor(
    readonly route: Route,
    readonly index: number,
    /** Path condition to re-check (routes not proven by the index: regexes, always-check entries). */
    readonly pathCheck: PathCheck | undefined,
    readonly headers: readonly CompiledHeaderMatcher[],
    readonly queryParameters: readonly CompiledQueryMatcher[],
    readonly dynamicMetadata: readonly CompiledMetadataMatcher[],
  ) {
    this.name = route.name ?? '';
    this.unconditional = pathCheck === undefined && headers.length === 0 && queryParameters.length === 0 && dynamicMetadata.length === 0;
  }

  /** Everything but the path part the index already established. */
  matchesRest(input: MatchInput): boolean {
    if (this.pathCheck !== undefined && !this.pathCheck.matches(input)) return false;
    const h = this.headers;
    for (let i = 0; i < h.length; i++) if (!h[i]!.matches(input)) return false;
    const q = this.queryParameters;
    for (let i = 0; i < q.length; i++) if (!q[i]!.matches(input)) return false;
    const d = this.dynamicMetadata;
    for (let i = 0; i < d.length; i++) if (!d[i]!.matches(input)) return false;
    return true;
  }
}

const NONE: readonly never[] = Object.freeze([]);

/** First route in an index-ordered list below `limit` whose remaining conditions hold. */
function firstIn(list: readonly CompiledRoute[], input: MatchInput, limit: number): CompiledRoute | undefined {
  for (let i = 0; i < list.length; i++) {
    const r = list[i]!;
    if (r.index >= limit) return undefined;
    if (r.unconditional || r.matchesRest(input)) return r;
  }
  return undefined;
}

export interface VirtualHostIndexStats {
  routes: number;
  exact: number;
  prefix: number;
  caseInsensitive: number;
  regexByLiteralPrefix: number;
  alwaysCheck: number;
}

export class CompiledVirtualHost {
  readonly name: string;
  readonly routes: readonly CompiledRoute[];
  readonly stats: VirtualHostIndexStats;
  private readonly exact = new Map<string, CompiledRoute[]>();
  private readonly cs = new RadixTree<CompiledRoute>(false);
  private readonly ci = new RadixTree<CompiledRoute>(true);
  private readonly always: CompiledRoute[] = [];

  constructor(
    readonly virtualHost: VirtualHost,
    readonly index: number,
  ) {
    this.name = virtualHost.name;
    const stats: VirtualHostIndexStats = { routes: 0, exact: 0, prefix: 0, caseInsensitive: 0, regexByLiteralPrefix: 0, alwaysCheck: 0 };
    const routes: CompiledRoute[] = [];
    const src = virtualHost.routes;
    for (let i = 0; i < src.length; i++) {
      const route = src[i]!;
      let r: CompiledRoute;
      try {
        r = this.compileRoute(route, i, stats);
      } catch (e) {
        throw within(`virtual host ${JSON.stringify(virtualHost.name)} route ${route.name ? JSON.stringify(route.name) : `#${i}`}`, e);
      }
      r.virtualHost = this;
      routes.push(r);
    }
    this.routes = routes;
    stats.routes = this.routes.length;
    this.stats = stats;
  }

  private compileRoute(route: Route, i: number, stats: VirtualHostIndexStats): CompiledRoute {
    const m: RouteMatch = route.match;
    if (+(m.prefix !== undefined) + +(m.path !== undefined) + +(m.safe_regex !== undefined) !== 1) {
      const kinds = (['prefix', 'path', 'safe_regex'] as const).filter((k) => m[k] !== undefined);
      throw new Error(`match must set exactly one of prefix, path, safe_regex (found ${kinds.length ? kinds.join(', ') : 'none'})`);
    }
    const headers = m.headers?.length ? m.headers.map(CompiledHeaderMatcher.compile) : NONE;
    const query = m.query_parameters?.length ? m.query_parameters.map(CompiledQueryMatcher.compile) : NONE;
    const meta = m.dynamic_metadata?.length ? m.dynamic_metadata.map(CompiledMetadataMatcher.compile) : NONE;
    const cs = m.case_sensitive !== false;

    if (m.safe_regex !== undefined) {
      // case_sensitive does not apply to regexes (Envoy); a regex carries its own `(?i)`.
      const pattern = m.safe_regex.regex;
      let split = splitRegexAtLiteral(pattern);
      let re: RE2JS;
      try {
        try {
          re = compileRegex(split ? split.rest : pattern);
        } catch (e) {
          if (!split) throw e;
          split = undefined; // errors name the whole pattern
          re = compileRegex(pattern);
        }
      } catch (e) {
        throw within('safe_regex', e);
      }
      const r = new CompiledRoute(route, i, new PathCheck('regex', split?.literal ?? '', true, re, false), headers, query, meta);
      const lit = split?.literal ?? regexLiteralPrefix(pattern);
      if (lit !== '') {
        this.cs.addPrefix(lit, r);
        stats.regexByLiteralPrefix++;
      } else {
        this.always.push(r);
        stats.alwaysCheck++;
      }
      return r;
    }
    if (m.path !== undefined) {
      const r = new CompiledRoute(route, i, undefined, headers, query, meta);
      if (cs) {
        let list = this.exact.get(m.path);
        if (!list) this.exact.set(m.path, (list = []));
        list.push(r);
        stats.exact++;
      } else {
        this.ci.addExact(asciiLower(m.path), r);
        stats.caseInsensitive++;
      }
      return r;
    }
    const prefix = m.prefix!;
    if (prefix.includes('?')) {
      // Envoy matches prefixes against :path including the query; only such prefixes can tell.
      const r = new CompiledRoute(route, i, new PathCheck('prefix', cs ? prefix : asciiLower(prefix), cs, undefined, true), headers, query, meta);
      this.always.push(r);
      stats.alwaysCheck++;
      return r;
    }
    const r = new CompiledRoute(route, i, undefined, headers, query, meta);
    if (cs) {
      this.cs.addPrefix(prefix, r);
      stats.prefix++;
    } else {
      this.ci.addPrefix(asciiLower(prefix), r);
      stats.caseInsensitive++;
    }
    return r;
  }

  /** Envoy route selection: the first route (in order) whose whole RouteMatch holds. */
  match(input: MatchInput): CompiledRoute | undefined {
    const path = input.path;
    let best: CompiledRoute | undefined;
    let limit = this.routes.length;
    let r: CompiledRoute | undefined;

    const ex = this.exact.size !== 0 ? this.exact.get(path) : undefined;
    if (ex !== undefined && (r = firstIn(ex, input, limit)) !== undefined) {
      best = r;
      limit = r.index;
    }

    if (this.cs.size !== 0) {
      let n: RadixNode<CompiledRoute> = this.cs.root;
      let pos = 0;
      for (;;) {
        if (n.prefix !== undefined && (r = firstIn(n.prefix, input, limit)) !== undefined) {
          best = r;
          limit = r.index;
        }
        if (pos >= path.length) break;
        const child = n.child(path.charCodeAt(pos));
        if (child === undefined || !path.startsWith(child.label, pos)) break;
        pos += child.label.length;
        n = child;
      }
    }

    if (this.ci.size !== 0) {
      let n: RadixNode<CompiledRoute> = this.ci.root;
      let pos = 0;
      for (;;) {
        if (n.prefix !== undefined && (r = firstIn(n.prefix, input, limit)) !== undefined) {
          best = r;
          limit = r.index;
        }
        if (pos >= path.length) {
          if (n.exact !== undefined && (r = firstIn(n.exact, input, limit)) !== undefined) {
            best = r;
            limit = r.index;
          }
          break;
        }
        const child = n.child(foldCode(path.charCodeAt(pos)));
        if (child === undefined || !foldedAt(path, pos, child.label)) break;
        pos += child.label.length;
        n = child;
      }
    }

    if (this.always.length !== 0 && (r = firstIn(this.always, input, limit)) !== undefined) best = r;
    return best;
  }
}

/** `host[:port]` → `host`; `[v6]:port` → `[v6]`; only a numeric port is stripped (Envoy stripPortFromHost). */
export function stripPort(host: string): string {
  const colon = host.lastIndexOf(':');
  if (colon < 0 || colon === host.length - 1) return host;
  if (host.charCodeAt(0) === 91 /* [ */) {
    if (host.charCodeAt(colon - 1) !== 93 /* ] */) return host;
  } else if (host.indexOf(':') !== colon) {
    return host; // a bare IPv6 literal has no port
  }
  for (let i = colon + 1; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if (c < 48 || c > 57) return host;
  }
  return host.slice(0, colon);
}

/** Wildcard domains grouped by length, longest first: one hash probe per distinct length. */
class WildcardIndex {
  private readonly lens: number[] = [];
  private readonly maps: Map<string, CompiledVirtualHost>[] = [];
  private readonly byLen = new Map<number, Map<string, CompiledVirtualHost>>();

  add(part: string, vh: CompiledVirtualHost): void {
    let m = this.byLen.get(part.length);
    if (!m) this.byLen.set(part.length, (m = new Map()));
    m.set(part, vh);
  }

  seal(): void {
    for (const len of [...this.byLen.keys()].sort((a, b) => b - a)) {
      this.lens.push(len);
      this.maps.push(this.byLen.get(len)!);
    }
  }

  /** The longest wildcard leaving at least one character of `host` for the `*`. */
  find(host: string, suffix: boolean): CompiledVirtualHost | undefined {
    const lens = this.lens;
    for (let i = 0; i < lens.length; i++) {
      const len = lens[i]!;
      if (len >= host.length) continue;
      const vh = this.maps[i]!.get(suffix ? host.slice(host.length - len) : host.slice(0, len));
      if (vh !== undefined) return vh;
    }
    return undefined;
  }

  get empty(): boolean {
    return this.lens.length === 0;
  }
}

export class CompiledRouteTable {
  readonly name: string;
  readonly virtualHosts: readonly CompiledVirtualHost[];
  readonly ignorePortInHostMatching: boolean;
  private readonly exact = new Map<string, CompiledVirtualHost>();
  private readonly suffix = new WildcardIndex();
  private readonly prefix = new WildcardIndex();
  private readonly star: CompiledVirtualHost | undefined;

  constructor(readonly config: RouteConfiguration) {
    this.name = config.name;
    this.ignorePortInHostMatching = config.ignore_port_in_host_matching === true;
    this.virtualHosts = config.virtual_hosts.map((vh, i) => new CompiledVirtualHost(vh, i));
    const seen = new Map<string, string>();
    let star: CompiledVirtualHost | undefined;
    for (const cvh of this.virtualHosts) {
      for (const raw of cvh.virtualHost.domains) {
        const what = () => `route configuration ${JSON.stringify(config.name)} virtual host ${JSON.stringify(cvh.name)}`;
        const d = asciiLower(raw);
        if (d === '') throw new Error(`${what()}: empty domain`);
        const other = seen.get(d);
        if (other !== undefined) throw new Error(`${what()}: duplicate domain ${JSON.stringify(raw)} (already in virtual host ${JSON.stringify(other)})`);
        seen.set(d, cvh.name);
        const stars = d.split('*').length - 1;
        if (d === '*') star = cvh;
        else if (stars === 0) this.exact.set(d, cvh);
        else if (stars === 1 && d.startsWith('*')) this.suffix.add(d.slice(1), cvh);
        else if (stars === 1 && d.endsWith('*')) this.prefix.add(d.slice(0, -1), cvh);
        else throw new Error(`${what()}: domain ${JSON.stringify(raw)} may hold one wildcard, only at its start or end`);
      }
    }
    this.star = star;
    this.suffix.seal();
    this.prefix.seal();
  }

  /** Envoy virtual host selection by Host/:authority (case-insensitive). */
  selectVirtualHost(authority: string): CompiledVirtualHost | undefined {
    let host = asciiLower(authority);
    if (this.ignorePortInHostMatching) host = stripPort(host);
    return this.exact.get(host) ?? (this.suffix.empty ? undefined : this.suffix.find(host, true)) ?? (this.prefix.empty ? undefined : this.prefix.find(host, false)) ?? this.star;
  }

  /** Virtual host by `input.authority`, then its first matching route; `undefined` ⇒ 404 NR. */
  match(input: MatchInput): CompiledRoute | undefined {
    return this.selectVirtualHost(input.authority)?.match(input);
  }
}

/** Compile a RouteConfiguration; throws an Error naming the virtual host and route on anything it cannot compile (NACK). */
export function compileRouteConfiguration(rc: RouteConfiguration): CompiledRouteTable {
  return new CompiledRouteTable(rc);
}
