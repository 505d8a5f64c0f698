import type { PathSegment } from '../../issues.ts';
import type { HTTPMatchRequest } from './http-match.ts';
import type { HTTPRoute } from './http-route.ts';

// Istio's unreachable-rule warnings (validation.go analyzeUnreachable*Rules, genMatchHTTPRoutes,
// coveredValidation; analyzer codes VirtualServiceUnreachableRule / VirtualServiceIneffectiveMatch).
// Pure: returns [path relative to the route list, message].

export type Finding = [PathSegment[], string];

interface Routeish<M> {
  name?: string | undefined;
  match?: M[] | undefined;
}

/** Canonical JSON (sorted keys, no match `name`) so equal matches compare equal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const matchKey = (m: unknown) => {
  if (m && typeof m === 'object' && 'name' in m) {
    const { name: _drop, ...rest } = m as Record<string, unknown>;
    return canonical(rest);
  }
  return canonical(m);
};

const ruleName = (r: { name?: string | undefined }, i: number) => (r.name ? JSON.stringify(r.name) : `#${i}`);
const matchName = (m: unknown, i: number) => {
  const name = m && typeof m === 'object' && 'name' in m ? (m as { name?: unknown }).name : undefined;
  return typeof name === 'string' && name ? JSON.stringify(name) : `#${i}`;
};

const unused = (rule: string, reason: string) => `virtualService rule ${rule} not used (${reason})`;
const ineffective = (rule: string, match: string, dup: string) => `virtualService rule ${rule} match ${match} is not used (duplicate/overlapping match in rule ${dup})`;

/** Rules after a match-less rule, and matches repeated from earlier rules. */
export function unreachableRules<M>(routes: readonly Routeish<M>[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  let catchAll = -1;
  for (const [ri, route] of routes.entries()) {
    const matches = route.match ?? [];
    if (matches.length === 0) {
      if (catchAll >= 0) out.push([[ri], unused(ruleName(route, ri), 'only the last rule can have no matches')]);
      catchAll = ri;
      continue;
    }
    let duplicates = 0;
    for (const [mi, m] of matches.entries()) {
      if (catchAll >= 0) {
        out.push([[ri], unused(ruleName(route, ri), 'route without matches defined before')]);
        continue;
      }
      const key = matchKey(m);
      const prior = seen.get(key);
      if (prior !== undefined) {
        out.push([[ri, 'match', mi], ineffective(ruleName(route, ri), matchName(m, mi), ruleName(routes[prior]!, prior))]);
        duplicates++;
        continue;
      }
      seen.set(key, ri);
    }
    if (duplicates === matches.length) out.push([[ri], unused(ruleName(route, ri), 'all matches used by prior rules')]);
  }
  return out;
}

interface PrefixMatch {
  path: PathSegment[];
  rule: string;
  match: string;
  prefix: string;
  port: number;
  method: string;
  authority: string;
  headers: Map<string, string>;
  queryParams: Map<string, string>;
  withoutHeaders: Map<string, string>;
}

type SM = { exact?: string | undefined; prefix?: string | undefined } | undefined;
const exactOrPrefix = (m: SM) => (m?.exact ? `exact:${m.exact}` : m?.prefix ? `prefix:${m.prefix}` : '');
const toMap = (rec: Record<string, SM> | undefined) => new Map(Object.entries(rec ?? {}).map(([k, v]) => [k, exactOrPrefix(v)]));

/** Istio's coverage test: does `a` (earlier) make `b` (later) unreachable? Its asymmetries are kept. */
function covers(a: PrefixMatch, b: PrefixMatch): boolean {
  if (!b.prefix.startsWith(a.prefix) || a.port !== b.port) return false;
  if (a.method !== b.method && !a.method.startsWith(b.method)) return false;
  if (a.authority !== b.authority && !a.authority.startsWith(b.authority)) return false;
  for (const [am, bm] of [[a.headers, b.headers], [a.queryParams, b.queryParams], [a.withoutHeaders, b.withoutHeaders]] as const) {
    if (am.size !== bm.size) return false;
    for (const [k, v] of am) {
      const w = bm.get(k);
      if (w === undefined || (v !== w && !v.startsWith(w))) return false;
    }
  }
  return true;
}

/** Prefix matches fully covered by an earlier, shorter prefix match (VirtualServiceIneffectiveMatch). */
export function overlappingPrefixes(routes: readonly HTTPRoute[]): Finding[] {
  const prefixes: PrefixMatch[] = [];
  const seen = new Set<string>();
  let catchAll = false;
  for (const [ri, route] of routes.entries()) {
    const matches: HTTPMatchRequest[] = route.match ?? [];
    if (matches.length === 0) {
      catchAll = true;
      continue;
    }
    if (catchAll) continue;
    for (const [mi, m] of matches.entries()) {
      const key = matchKey(m);
      if (seen.has(key)) continue;
      seen.add(key);
      if (!m.uri?.prefix) continue;
      prefixes.push({
        path: [ri, 'match', mi], rule: ruleName(route, ri), match: matchName(m, mi), prefix: m.uri.prefix, port: m.port ?? 0,
        method: exactOrPrefix(m.method) || 'exact:GET', authority: exactOrPrefix(m.authority),
        headers: toMap(m.headers), queryParams: toMap(m.queryParams), withoutHeaders: toMap(m.withoutHeaders),
      });
    }
  }
  const out: Finding[] = [];
  for (let i = 0; i < prefixes.length; i++) {
    for (let j = i + 1; j < prefixes.length; j++) {
      const a = prefixes[i]!;
      const b = prefixes[j]!;
      if (a.prefix === b.prefix || !covers(a, b)) continue;
      out.push([b.path, ineffective(b.rule, `${b.match} of prefix ${b.prefix}`, `${a.match} of prefix ${a.prefix} on ${a.rule}`)]);
    }
  }
  return out;
}
