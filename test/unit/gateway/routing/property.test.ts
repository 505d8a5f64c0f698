import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compileRouteConfiguration } from '../../../../src/gateway/routing/index.ts';
import type { StringMatcher } from '../../../../src/xds/resources/common.ts';
import type { HeaderMatcher, QueryParameterMatcher, Route, RouteMatch } from '../../../../src/xds/resources/route.ts';
import { rc, req, vhost } from './helpers.ts';

// The indexed engine must agree with the obvious linear first-match over the same routes.

// ---- reference model: Envoy semantics, one route at a time, no index ----

const lower = (s: string) => s.toLowerCase(); // the test alphabet is ASCII

function refString(m: StringMatcher, v: string): boolean {
  const ic = m.ignore_case === true;
  const val = ic ? lower(v) : v;
  const lit = (s: string) => (ic ? lower(s) : s);
  if (m.exact !== undefined) return val === lit(m.exact);
  if (m.prefix !== undefined) return val.startsWith(lit(m.prefix));
  if (m.suffix !== undefined) return val.endsWith(lit(m.suffix));
  if (m.contains !== undefined) return val.includes(lit(m.contains));
  return new RegExp(`^(?:${m.safe_regex!.regex})$`).test(v);
}

function refHeader(h: HeaderMatcher, headers: Record<string, string>): boolean {
  const v = headers[lower(h.name)];
  if (v === undefined && !h.treat_missing_header_as_empty) {
    if (h.string_match) return false;
    const wantPresent = h.present_match ?? true;
    return h.invert_match ? wantPresent : !wantPresent;
  }
  const value = v ?? '';
  const m = h.string_match ? refString(h.string_match, value) : (h.present_match ?? true);
  return h.invert_match ? !m : m;
}

function refQuery(q: QueryParameterMatcher, query: string): boolean {
  const pairs = query === '' ? [] : query.split('&').filter((p) => p !== '');
  const hit = pairs.map((p) => (p.includes('=') ? [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)] : [p, ''])).find(([k]) => k === q.name);
  if (!hit) return false;
  return q.string_match ? refString(q.string_match, hit[1]!) : true;
}

function refPath(m: RouteMatch, path: string): boolean {
  const ci = m.case_sensitive === false;
  if (m.path !== undefined) return ci ? lower(path) === lower(m.path) : path === m.path;
  if (m.prefix !== undefined) return ci ? lower(path).startsWith(lower(m.prefix)) : path.startsWith(m.prefix);
  return new RegExp(`^(?:${m.safe_regex!.regex})$`).test(path);
}

function linearFirstMatch(routes: Route[], path: string, query: string, headers: Record<string, string>): number | undefined {
  for (let i = 0; i < routes.length; i++) {
    const m = routes[i]!.match;
    if (refPath(m, path) && (m.headers ?? []).every((h) => refHeader(h, headers)) && (m.query_parameters ?? []).every((q) => refQuery(q, query))) return i;
  }
  return undefined;
}

// ---- generators ----

const segment = fc.constantFrom('a', 'b', 'A', 'ab', 'api', 'Api', 'v1', 'v2', 'x');
const pathArb = fc.tuple(fc.array(segment, { minLength: 0, maxLength: 4 }), fc.boolean()).map(([segs, slash]) => `/${segs.join('/')}${slash && segs.length ? '/' : ''}`);
const prefixArb = fc.tuple(pathArb, fc.nat()).map(([p, n]) => p.slice(0, n % (p.length + 1)));
const regexArb = fc.oneof(
  prefixArb.map((p) => `${p}.*`),
  fc.tuple(pathArb, segment).map(([p, s]) => `${p}${s}[0-9a-z]*`),
  segment.map((s) => `.*/${s}`),
  fc.tuple(segment, segment).map(([a, b]) => `/(${a}|${b})(/.*)?`),
  pathArb.map((p) => `${p}/?`),
  fc.constant('/[aA]pi/v[0-9]+(/.*)?'),
  fc.constant('.*'),
);
const value = fc.constantFrom('', '1', '2', 'v1', 'V1', 'yes');
const stringMatcher: fc.Arbitrary<StringMatcher> = fc.oneof(
  fc.record({ exact: value, ignore_case: fc.boolean() }),
  fc.record({ prefix: value, ignore_case: fc.boolean() }),
  fc.record({ suffix: value }),
  fc.record({ contains: value, ignore_case: fc.boolean() }),
  fc.record({ safe_regex: fc.constantFrom({ regex: '[0-9]' }, { regex: 'v.*' }, { regex: '' }) }),
);
const headerName = fc.constantFrom('x-a', 'X-B', 'x-c');
const headerMatcher: fc.Arbitrary<HeaderMatcher> = fc.oneof(
  fc.record({ name: headerName, string_match: stringMatcher, invert_match: fc.boolean(), treat_missing_header_as_empty: fc.boolean() }, { requiredKeys: ['name', 'string_match'] }),
  fc.record({ name: headerName, present_match: fc.boolean(), invert_match: fc.boolean() }, { requiredKeys: ['name'] }),
);
const queryMatcher: fc.Arbitrary<QueryParameterMatcher> = fc.oneof(
  fc.record({ name: fc.constantFrom('q', 'r'), string_match: stringMatcher }),
  fc.record({ name: fc.constantFrom('q', 'r'), present_match: fc.constant(true) }),
);
const routeMatch: fc.Arbitrary<RouteMatch> = fc
  .tuple(
    fc.oneof({ weight: 3, arbitrary: pathArb.map((path) => ({ path })) }, { weight: 4, arbitrary: prefixArb.map((prefix) => ({ prefix })) }, { weight: 2, arbitrary: regexArb.map((regex) => ({ safe_regex: { regex } })) }),
    fc.option(fc.boolean(), { nil: undefined }),
    fc.array(headerMatcher, { maxLength: 2 }),
    fc.array(queryMatcher, { maxLength: 1 }),
  )
  .map(([spec, cs, headers, query]) => ({
    ...spec,
    ...(cs !== undefined ? { case_sensitive: cs } : {}),
    ...(headers.length ? { headers } : {}),
    ...(query.length ? { query_parameters: query } : {}),
  }));
const routesArb = fc.array(routeMatch, { minLength: 0, maxLength: 40 }).map((ms) => ms.map((match, i): Route => ({ name: `r${i}`, match, route: { cluster: `c${i}` } })));
const requestArb = fc.record({
  path: pathArb,
  headers: fc.dictionary(fc.constantFrom('x-a', 'x-b', 'x-c'), value, { maxKeys: 3 }),
  query: fc.array(fc.tuple(fc.constantFrom('q', 'r', 's'), fc.option(value, { nil: undefined })), { maxLength: 3 }).map((ps) => ps.map(([k, v]) => (v === undefined ? k : `${k}=${v}`)).join('&')),
});

describe('indexed route matching agrees with linear first-match', () => {
  test('random route tables and requests', () => {
    fc.assert(
      fc.property(routesArb, fc.array(requestArb, { minLength: 1, maxLength: 20 }), (routes, requests) => {
        const table = compileRouteConfiguration(rc([vhost(routes)]));
        for (const r of requests) {
          const got = table.match(req(r.query ? `${r.path}?${r.query}` : r.path, { headers: r.headers }))?.index;
          expect(got).toBe(linearFirstMatch(routes, r.path, r.query, r.headers));
        }
      }),
      { numRuns: 500 },
    );
  });

  test('requests built from the routes themselves (hits, near misses, case flips)', () => {
    fc.assert(
      fc.property(routesArb, fc.array(fc.tuple(fc.nat(), fc.constantFrom('', '/', 'a', '/x', 'A'), fc.boolean(), requestArb), { maxLength: 20 }), (routes, picks) => {
        const table = compileRouteConfiguration(rc([vhost(routes)]));
        for (const [n, tail, flip, r] of picks) {
          const m = routes.length ? routes[n % routes.length]!.match : undefined;
          let path = (m?.path ?? m?.prefix ?? r.path) + tail;
          if (!path.startsWith('/')) path = `/${path}`;
          if (flip) path = path.toUpperCase();
          const got = table.match(req(r.query ? `${path}?${r.query}` : path, { headers: r.headers }))?.index;
          expect(got).toBe(linearFirstMatch(routes, path, r.query, r.headers));
        }
      }),
      { numRuns: 500 },
    );
  });
});

// ---- virtual host selection against a scan over every domain ----

function refSelect(domains: string[][], authority: string): number | undefined {
  let host = lower(authority);
  const m = /^(.*):(\d+)$/.exec(host);
  if (m && !m[1]!.includes(':')) host = m[1]!;
  const all = domains.flatMap((ds, i) => ds.map((d) => ({ d: lower(d), i })));
  const exact = all.find(({ d }) => d === host);
  if (exact) return exact.i;
  const longest = (xs: { d: string; i: number }[]) => xs.sort((a, b) => b.d.length - a.d.length)[0]?.i;
  const suffix = longest(all.filter(({ d }) => d.startsWith('*') && d.length > 1 && host.length > d.length - 1 && host.endsWith(d.slice(1))));
  if (suffix !== undefined) return suffix;
  const prefix = longest(all.filter(({ d }) => d.endsWith('*') && d.length > 1 && host.length > d.length - 1 && host.startsWith(d.slice(0, -1))));
  if (prefix !== undefined) return prefix;
  return all.find(({ d }) => d === '*')?.i;
}

describe('virtual host selection agrees with a scan over all domains', () => {
  const label = fc.constantFrom('a', 'b', 'foo', 'Foo', 'x-bar', 'bar', 'com');
  const host = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));
  const domain = fc.oneof(host, host.map((h) => `*.${h}`), host.map((h) => `*${h}`), host.map((h) => `${h}.*`), host.map((h) => `${h}*`), fc.constant('*'));
  test('random domains and authorities', () => {
    fc.assert(
      fc.property(fc.uniqueArray(domain, { selector: lower, maxLength: 12 }), fc.array(fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })), { maxLength: 20 }), (ds, authorities) => {
        const groups = ds.map((d) => [d]);
        const table = compileRouteConfiguration(rc(groups.map((g, i) => vhost([], g, `v${i}`))));
        for (const [h, port] of authorities) {
          const a = port === undefined ? h : `${h}:${port}`;
          expect(table.selectVirtualHost(a)?.index).toBe(refSelect(groups, a));
        }
      }),
      { numRuns: 300 },
    );
  });
});
