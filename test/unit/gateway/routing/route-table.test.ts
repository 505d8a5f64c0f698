import { describe, expect, test } from 'vitest';
import { compileRouteConfiguration, regexLiteralPrefix, stripPort } from '../../../../src/gateway/routing/index.ts';
import type { HeaderMatcher, MetadataMatcher, QueryParameterMatcher, RouteMatch } from '../../../../src/xds/resources/route.ts';
import { rc, req, route, vhost } from './helpers.ts';

/** Name of the route one table of `routes` (single `*` vhost) picks for `input`. */
function pick(routes: ReturnType<typeof route>[], input: ReturnType<typeof req>): string | undefined {
  const r = compileRouteConfiguration(rc([vhost(routes)])).match(input);
  return r === undefined ? undefined : r.name;
}

/** Does a single route with `match` match `input`? */
const holds = (match: RouteMatch, input: ReturnType<typeof req>) => pick([route(match, 'r')], input) === 'r';
const withHeader = (h: HeaderMatcher, input: ReturnType<typeof req>) => holds({ prefix: '/', headers: [h] }, input);
const withQuery = (q: QueryParameterMatcher, pathAndQuery: string) => holds({ prefix: '/', query_parameters: [q] }, req(pathAndQuery));
const withMeta = (m: MetadataMatcher, metadata: Record<string, Record<string, unknown>> | undefined) => holds({ prefix: '/', dynamic_metadata: [m] }, req('/', metadata ? { metadata } : {}));

describe('virtual host selection', () => {
  const table = compileRouteConfiguration(
    rc([
      vhost([], ['www.foo.com', 'FOO.com'], 'exact'),
      vhost([], ['*.foo.com'], 'suffix'),
      vhost([], ['*-bar.foo.com'], 'longer-suffix'),
      vhost([], ['*.a.b.foo.com'], 'deep-suffix'),
      vhost([], ['foo.*'], 'prefix'),
      vhost([], ['foo.bar.*'], 'longer-prefix'),
      vhost([], ['*'], 'star'),
      vhost([], ['[::1]', '10.0.0.1'], 'ip'),
    ]),
  );
  const sel = (a: string) => table.selectVirtualHost(a)?.name;

  test('exact beats every wildcard; case-insensitive both ways', () => {
    expect(sel('www.foo.com')).toBe('exact');
    expect(sel('WWW.Foo.COM')).toBe('exact');
    expect(sel('foo.com')).toBe('exact');
  });
  test('longest suffix wildcard wins; the * must cover at least one character', () => {
    expect(sel('api.foo.com')).toBe('suffix');
    expect(sel('x-bar.foo.com')).toBe('longer-suffix');
    expect(sel('-bar.foo.com')).toBe('suffix');
    expect(sel('z.a.b.foo.com')).toBe('deep-suffix');
    expect(sel('.foo.com')).toBe('star'); // the * of *.foo.com must cover at least one character
  });
  test('suffix beats prefix; longest prefix wins; * last', () => {
    expect(sel('foo.example')).toBe('prefix');
    expect(sel('foo.bar.example')).toBe('longer-prefix');
    expect(sel('foo.')).toBe('star');
    expect(sel('other.org')).toBe('star');
  });
  test('port ignored (ignore_port_in_host_matching), IPv6 and IPv4 authorities', () => {
    expect(sel('www.foo.com:8080')).toBe('exact');
    expect(sel('api.foo.com:443')).toBe('suffix');
    expect(sel('[::1]:80')).toBe('ip');
    expect(sel('[::1]')).toBe('ip');
    expect(sel('10.0.0.1:15021')).toBe('ip');
  });
  test('without ignore_port_in_host_matching the port is part of the host', () => {
    const t = compileRouteConfiguration(rc([vhost([], ['foo.com'], 'a'), vhost([], ['foo.com:8080'], 'b')], false));
    expect(t.selectVirtualHost('foo.com')?.name).toBe('a');
    expect(t.selectVirtualHost('foo.com:8080')?.name).toBe('b');
    expect(t.selectVirtualHost('foo.com:9090')).toBeUndefined();
  });
  test('no * vhost ⇒ undefined (404)', () => {
    const t = compileRouteConfiguration(rc([vhost([route({ prefix: '/' })], ['a.com'])]));
    expect(t.selectVirtualHost('b.com')).toBeUndefined();
    expect(t.match(req('/', { authority: 'b.com' }))).toBeUndefined();
    expect(t.match(req('/', { authority: 'A.com:80' }))?.virtualHost.name).toBe('vh');
  });
  test('stripPort', () => {
    expect(stripPort('a.com:80')).toBe('a.com');
    expect(stripPort('a.com:')).toBe('a.com:');
    expect(stripPort('a.com:x')).toBe('a.com:x');
    expect(stripPort('[::1]:80')).toBe('[::1]');
    expect(stripPort('[::1]')).toBe('[::1]');
    expect(stripPort('::1')).toBe('::1');
  });
});

describe('path matching', () => {
  test('exact, prefix, regex (full match, no query)', () => {
    expect(holds({ path: '/a' }, req('/a'))).toBe(true);
    expect(holds({ path: '/a' }, req('/a?x=1'))).toBe(true);
    expect(holds({ path: '/a' }, req('/a/'))).toBe(false);
    expect(holds({ prefix: '/a' }, req('/abc'))).toBe(true);
    expect(holds({ prefix: '/a/' }, req('/a'))).toBe(false);
    expect(holds({ prefix: '' }, req('/anything'))).toBe(true);
    expect(holds({ safe_regex: { regex: '/a/[0-9]+' } }, req('/a/12'))).toBe(true);
    expect(holds({ safe_regex: { regex: '/a/[0-9]+' } }, req('/a/12x'))).toBe(false);
    expect(holds({ safe_regex: { regex: '/a/[0-9]+' } }, req('/a/12?x'))).toBe(true);
    expect(holds({ safe_regex: { regex: '.*' } }, req('/'))).toBe(true);
    expect(holds({ safe_regex: { regex: '/x|/y' } }, req('/y'))).toBe(true);
    expect(holds({ safe_regex: { regex: '/ab*c' } }, req('/ac'))).toBe(true);
  });
  test('case_sensitive: false applies to path and prefix, not regex', () => {
    expect(holds({ path: '/Api', case_sensitive: false }, req('/aPI'))).toBe(true);
    expect(holds({ path: '/Api', case_sensitive: false }, req('/aPIx'))).toBe(false);
    expect(holds({ path: '/Api' }, req('/api'))).toBe(false);
    expect(holds({ prefix: '/Api/', case_sensitive: false }, req('/API/x'))).toBe(true);
    expect(holds({ prefix: '/Api/' }, req('/API/x'))).toBe(false);
    expect(holds({ safe_regex: { regex: '/api' }, case_sensitive: false }, req('/API'))).toBe(false);
    expect(holds({ safe_regex: { regex: '(?i)/api' } }, req('/API'))).toBe(true);
  });
  test('a prefix holding ? compares with path?query, as Envoy compares with :path', () => {
    expect(holds({ prefix: '/a?x=' }, req('/a?x=1'))).toBe(true);
    expect(holds({ prefix: '/a?x=' }, req('/a?y=1'))).toBe(false);
  });
  test('regexLiteralPrefix', () => {
    expect(regexLiteralPrefix('/api/v[0-9]+/.*')).toBe('/api/v');
    expect(regexLiteralPrefix('^/abc$')).toBe('/abc');
    expect(regexLiteralPrefix('/ab*')).toBe('/a');
    expect(regexLiteralPrefix('/ab?')).toBe('/a');
    expect(regexLiteralPrefix('/ab{0,2}')).toBe('/a');
    expect(regexLiteralPrefix('/ab+')).toBe('/ab');
    expect(regexLiteralPrefix('/a|/b')).toBe('');
    expect(regexLiteralPrefix('/api/(v1|v2)/.*')).toBe('/api/');
    expect(regexLiteralPrefix('/x(a)|/b')).toBe('');
    expect(regexLiteralPrefix('/x[|]')).toBe('/x');
    expect(regexLiteralPrefix('/x\\|y')).toBe('/x'); // an escaped pipe is a literal
    expect(regexLiteralPrefix('/x(a|b')).toBe('');
    expect(regexLiteralPrefix('(?i)/a')).toBe('');
    expect(regexLiteralPrefix('\\/a')).toBe('');
  });
});

describe('radix index at scale', () => {
  test('wide fan-out and edge splits agree with a linear scan', () => {
    const keys: string[] = [];
    for (let i = 0; i < 300; i++) keys.push(`/p${i}`, `/p${i}/x`, `/P${i % 7}`);
    const routes = keys.map((k, i) => route(i % 3 === 2 ? { prefix: k, case_sensitive: false } : i % 2 ? { path: k } : { prefix: k }, `r${i}`));
    const t = compileRouteConfiguration(rc([vhost(routes)]));
    for (const p of ['/p1', '/p12', '/p123/x', '/p123/xy', '/P299', '/p5', '/q', '/p', '/p1999', '/P3/x']) {
      const want = routes.findIndex((r) => {
        const m = r.match;
        if (m.path !== undefined) return p === m.path;
        return m.case_sensitive === false ? p.toLowerCase().startsWith(m.prefix!.toLowerCase()) : p.startsWith(m.prefix!);
      });
      expect(t.match(req(p))?.index ?? -1).toBe(want);
    }
  });
});

describe('first match wins across mixed route kinds', () => {
  const routes = [
    route({ prefix: '/api/', headers: [{ name: 'x-canary', string_match: { exact: 'yes' } }] }, 'canary'),
    route({ safe_regex: { regex: '/api/v[0-9]+/users' } }, 'regex-users'),
    route({ path: '/api/v1/users' }, 'exact-users'),
    route({ prefix: '/api/v1/', case_sensitive: false }, 'v1-ci'),
    route({ safe_regex: { regex: '.*/health' } }, 'health'),
    route({ prefix: '/' }, 'catch-all'),
    route({ path: '/never' }, 'shadowed'),
  ];
  test.each([
    ['/api/v1/users', {}, 'regex-users'],
    ['/api/v1/users', { 'x-canary': 'yes' }, 'canary'],
    ['/API/V1/users', {}, 'v1-ci'],
    ['/api/v1/other', {}, 'v1-ci'],
    ['/x/health', {}, 'health'],
    ['/api/health', {}, 'health'],
    ['/never', {}, 'catch-all'],
    ['/', {}, 'catch-all'],
  ] as const)('%s %o → %s', (path, headers, want) => {
    expect(pick(routes, req(path, { headers }))).toBe(want);
  });
  test('no route ⇒ undefined; CompiledRoute carries route, index, name, vhost', () => {
    const t = compileRouteConfiguration(rc([vhost([route({ path: '/a' }), route({ prefix: '/b' }, 'b')], ['*'], 'v')]));
    expect(t.match(req('/c'))).toBeUndefined();
    const r = t.match(req('/b/1'))!;
    expect([r.index, r.name, r.virtualHost.name, r.route.route?.cluster]).toEqual([1, 'b', 'v', 'b']);
    expect(t.match(req('/a'))!.name).toBe('');
    expect(t.virtualHosts[0]!.stats).toMatchObject({ routes: 2, exact: 1, prefix: 1 });
  });
  test('same path twice: the earlier route is tried first, the later one when it fails', () => {
    const rs = [route({ path: '/a', headers: [{ name: 'x', present_match: true }] }, 'first'), route({ path: '/a' }, 'second')];
    expect(pick(rs, req('/a', { headers: { x: '' } }))).toBe('first');
    expect(pick(rs, req('/a'))).toBe('second');
  });
});

describe('header matching', () => {
  const h = (headers: Record<string, string>, extra: Parameters<typeof req>[1] = {}) => req('/', { ...extra, headers });
  test('string_match kinds, ignore_case, names case-insensitive', () => {
    expect(withHeader({ name: 'X-User', string_match: { exact: 'bob' } }, h({ 'x-user': 'bob' }))).toBe(true);
    expect(withHeader({ name: 'x-user', string_match: { exact: 'bob' } }, h({ 'x-user': 'Bob' }))).toBe(false);
    expect(withHeader({ name: 'x-user', string_match: { exact: 'bob', ignore_case: true } }, h({ 'x-user': 'BoB' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { prefix: 'ab' } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { prefix: 'AB', ignore_case: true } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { suffix: 'bc' } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { suffix: 'BC', ignore_case: true } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { suffix: 'abcd' } }, h({ x: 'abc' }))).toBe(false);
    expect(withHeader({ name: 'x', string_match: { contains: 'b' } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { contains: 'B', ignore_case: true } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { contains: 'z' } }, h({ x: 'abc' }))).toBe(false);
    expect(withHeader({ name: 'x', string_match: { safe_regex: { regex: 'a.c' } } }, h({ x: 'abc' }))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { safe_regex: { regex: 'a' } } }, h({ x: 'abc' }))).toBe(false); // full match
    expect(withHeader({ name: 'x', string_match: { safe_regex: { regex: 'A.C' }, ignore_case: true } }, h({ x: 'abc' }))).toBe(false); // no effect on regex
  });
  test('missing header: value matchers fail, inverted too; treat_missing_header_as_empty', () => {
    expect(withHeader({ name: 'x', string_match: { exact: '' } }, h({}))).toBe(false);
    expect(withHeader({ name: 'x', string_match: { exact: 'a' }, invert_match: true }, h({}))).toBe(false);
    expect(withHeader({ name: 'x', string_match: { exact: '' }, treat_missing_header_as_empty: true }, h({}))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { exact: 'a' }, invert_match: true, treat_missing_header_as_empty: true }, h({}))).toBe(true);
    expect(withHeader({ name: 'x', string_match: { exact: 'a' }, invert_match: true, treat_missing_header_as_empty: true }, h({ x: 'a' }))).toBe(false);
    expect(withHeader({ name: 'x', string_match: { exact: 'a' }, invert_match: true }, h({ x: 'b' }))).toBe(true);
  });
  test('present_match (empty values are present), absence, invert, default specifier', () => {
    expect(withHeader({ name: 'x', present_match: true }, h({ x: '' }))).toBe(true);
    expect(withHeader({ name: 'x', present_match: true }, h({}))).toBe(false);
    expect(withHeader({ name: 'x', present_match: false }, h({}))).toBe(true);
    expect(withHeader({ name: 'x', present_match: false }, h({ x: 'v' }))).toBe(false);
    expect(withHeader({ name: 'x', present_match: true, invert_match: true }, h({}))).toBe(true);
    expect(withHeader({ name: 'x', present_match: true, invert_match: true }, h({ x: 'v' }))).toBe(false);
    expect(withHeader({ name: 'x' }, h({ x: 'v' }))).toBe(true);
    expect(withHeader({ name: 'x' }, h({}))).toBe(false);
  });
  test('pseudo-headers from MatchInput; :path includes the query', () => {
    expect(withHeader({ name: ':method', string_match: { exact: 'POST' } }, h({}, { method: 'POST' }))).toBe(true);
    expect(withHeader({ name: ':method', string_match: { exact: 'POST' } }, h({}))).toBe(false);
    expect(withHeader({ name: ':scheme', string_match: { exact: 'https' } }, h({}, { scheme: 'https' }))).toBe(true);
    expect(withHeader({ name: ':authority', string_match: { prefix: 'api.' } }, h({}, { authority: 'api.x.com:8080' }))).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: ':path', string_match: { exact: '/p?a=1' } }] }, req('/p?a=1'))).toBe(true);
    expect(holds({ prefix: '/', headers: [{ name: ':path', string_match: { exact: '/p' } }] }, req('/p'))).toBe(true);
    expect(withHeader({ name: ':other', present_match: true }, h({}))).toBe(false);
  });
  test('multiple values are joined with "," (rawHeaders) — Headers itself joins with ", "', () => {
    const rawHeaders = new Map([['x', ['a', 'b']]]);
    expect(withHeader({ name: 'x', string_match: { exact: 'a,b' } }, req('/', { rawHeaders }))).toBe(true);
    expect(withHeader({ name: 'y', present_match: true }, req('/', { rawHeaders, headers: { y: '1' } }))).toBe(false);
    const hs = new Headers();
    hs.append('x', 'a');
    hs.append('x', 'b');
    expect(withHeader({ name: 'x', string_match: { exact: 'a, b' } }, req('/', { headers: hs }))).toBe(true);
  });
  test('all header matchers must hold (AND)', () => {
    const m: RouteMatch = { prefix: '/', headers: [{ name: 'a', present_match: true }, { name: 'b', string_match: { exact: '1' } }] };
    expect(holds(m, req('/', { headers: { a: '', b: '1' } }))).toBe(true);
    expect(holds(m, req('/', { headers: { b: '1' } }))).toBe(false);
    expect(holds(m, req('/', { headers: { a: '', b: '2' } }))).toBe(false);
  });
});

describe('query parameter matching', () => {
  test('string match on the first value; ?a and ?a= are empty; names and values as sent (Envoy parseQueryString: no percent-decoding)', () => {
    expect(withQuery({ name: 'a', string_match: { exact: '1' } }, '/?a=1')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { exact: '1' } }, '/?a=2&a=1')).toBe(false);
    expect(withQuery({ name: 'a', string_match: { exact: '2' } }, '/?b=1&a=2&a=1')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { exact: '' } }, '/?a')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { exact: '' } }, '/?a=')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { exact: '' } }, '/?ab=')).toBe(false);
    expect(withQuery({ name: 'a', string_match: { exact: '' } }, '/')).toBe(false);
    expect(withQuery({ name: 'a', string_match: { exact: 'x y' } }, '/?a=x%20y')).toBe(false);
    expect(withQuery({ name: 'a', string_match: { exact: 'x%20y' } }, '/?a=x%20y')).toBe(true);
    expect(withQuery({ name: 'a b', string_match: { exact: '1' } }, '/?a%20b=1')).toBe(false);
    expect(withQuery({ name: 'a%20b', string_match: { exact: '1' } }, '/?a%20b=1')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { prefix: 'V', ignore_case: true } }, '/?a=v1')).toBe(true);
    expect(withQuery({ name: 'a', string_match: { safe_regex: { regex: '[0-9]+' } } }, '/?x&a=42&')).toBe(true);
  });
  test('present_match and no specifier are presence; missing never matches', () => {
    expect(withQuery({ name: 'a', present_match: true }, '/?a')).toBe(true);
    expect(withQuery({ name: 'a', present_match: true }, '/?b=a')).toBe(false);
    expect(withQuery({ name: 'a' }, '/?c=1&a=')).toBe(true);
  });
});

describe('dynamic metadata matching', () => {
  const claims = (c: Record<string, unknown>) => ({ istio_authn: { 'request.auth.claims': c } });
  const m = (value: MetadataMatcher['value'], key: string[] = ['group'], invert?: boolean): MetadataMatcher => ({
    filter: 'istio_authn',
    path: ['request.auth.claims', ...key].map((k) => ({ key: k })),
    value,
    ...(invert !== undefined ? { invert } : {}),
  });
  test('string value, nested path, list any-of, presence', () => {
    expect(withMeta(m({ string_match: { exact: 'admin' } }), claims({ group: 'admin' }))).toBe(true);
    expect(withMeta(m({ string_match: { exact: 'admin' } }), claims({ group: 'dev' }))).toBe(false);
    expect(withMeta(m({ string_match: { exact: 'admin' } }), claims({ group: ['dev', 'admin'] }))).toBe(true);
    expect(withMeta(m({ string_match: { exact: 'x' } }, ['a', 'b']), claims({ a: { b: 'x' } }))).toBe(true);
    expect(withMeta(m({ present_match: true }), claims({ group: '' }))).toBe(true);
    expect(withMeta(m({ present_match: true }), claims({}))).toBe(false);
    expect(withMeta(m({ string_match: { exact: '1' } }), claims({ group: 1 }))).toBe(false);
  });
  test('missing never matches unless inverted', () => {
    expect(withMeta(m({ string_match: { exact: 'admin' } }), undefined)).toBe(false);
    expect(withMeta(m({ string_match: { exact: 'admin' } }, ['group'], true), undefined)).toBe(true);
    expect(withMeta(m({ string_match: { exact: 'admin' } }, ['group'], true), claims({ group: 'admin' }))).toBe(false);
    expect(withMeta(m({ string_match: { exact: 'admin' } }, ['group'], true), claims({ group: 'dev' }))).toBe(true);
    expect(withMeta(m({ present_match: true }, ['a', 'b']), claims({ a: 'scalar' }))).toBe(false);
  });
});

describe('compile errors name the virtual host, the route and the problem', () => {
  const bad = (match: RouteMatch, msg: RegExp) =>
    expect(() => compileRouteConfiguration(rc([vhost([route({ prefix: '/' }), route(match, 'broken')], ['*'], 'my-vh')]))).toThrow(msg);
  test('route matchers', () => {
    bad({ safe_regex: { regex: '(' } }, /virtual host "my-vh" route "broken": safe_regex: invalid RE2 regex "\("/);
    bad({ safe_regex: { regex: '(?=x)' } }, /"my-vh" route "broken".*invalid RE2/);
    bad({}, /"my-vh" route "broken": match must set exactly one of prefix, path, safe_regex \(found none\)/);
    bad({ prefix: '/', path: '/a' }, /found prefix, path/);
    bad({ prefix: '/', headers: [{ name: 'x', string_match: {} }] }, /route "broken": header matcher "x": string matcher must set exactly one/);
    bad({ prefix: '/', headers: [{ name: 'x', string_match: { exact: 'a', prefix: 'b' } }] }, /found exact, prefix/);
    bad({ prefix: '/', headers: [{ name: 'x', string_match: { safe_regex: { regex: '[' } } }] }, /header matcher "x".*invalid RE2/);
    bad({ prefix: '/', headers: [{ name: 'x', string_match: { exact: 'a' }, present_match: true }] }, /only one of string_match and present_match/);
    bad({ prefix: '/', headers: [{ name: '' }] }, /empty name/);
    bad({ prefix: '/', query_parameters: [{ name: 'q', string_match: { safe_regex: { regex: '*' } } }] }, /query parameter matcher "q".*invalid RE2/);
    bad({ prefix: '/', dynamic_metadata: [{ filter: 'f', path: [{ key: 'k' }], value: {} }] }, /dynamic metadata matcher "f.k": value must set exactly one/);
    bad({ prefix: '/', dynamic_metadata: [{ filter: 'f', path: [], value: { present_match: true } }] }, /at least one key/);
  });
  test('unnamed routes are named by position', () => {
    expect(() => compileRouteConfiguration(rc([vhost([route({ prefix: '/' }), { match: { safe_regex: { regex: '(' } } }], ['*'], 'v')]))).toThrow(/virtual host "v" route #1/);
  });
  test('domains', () => {
    expect(() => compileRouteConfiguration(rc([vhost([], ['a.com'], 'x'), vhost([], ['A.com'], 'y')]))).toThrow(/virtual host "y": duplicate domain "A.com" \(already in virtual host "x"\)/);
    expect(() => compileRouteConfiguration(rc([vhost([], ['*'], 'x'), vhost([], ['*'], 'y')]))).toThrow(/duplicate domain/);
    expect(() => compileRouteConfiguration(rc([vhost([], ['a.*.com'], 'x')]))).toThrow(/virtual host "x": domain "a\.\*\.com" may hold one wildcard/);
    expect(() => compileRouteConfiguration(rc([vhost([], ['*.a.*'], 'x')]))).toThrow(/one wildcard/);
    expect(() => compileRouteConfiguration(rc([vhost([], [''], 'x')]))).toThrow(/empty domain/);
  });
});
