import { describe, expect, test } from 'vitest';
import { action, META, translate } from './helpers.ts';

// HTTPMatchRequest → RouteMatch (Istio route.go TranslateRouteMatch).

const dest = `    route: [{destination: {host: a.example.com}}]`;
const A = 'outbound|80||a.example.com';

describe('uri matches', () => {
  test('exact, prefix and regex each become one route, in order, with the same action', () => {
    const { routes } = translate(`  - name: r
    match:
    - {name: e, uri: {exact: /exact}}
    - {name: p, uri: {prefix: /pre}}
    - {name: x, uri: {regex: '/re/[0-9]+'}}
${dest}`);
    expect(routes).toEqual([
      { name: 'r.e', match: { path: '/exact', case_sensitive: true }, metadata: META, route: action(A), decorator: { operation: 'a.example.com:80/exact' } },
      { name: 'r.p', match: { prefix: '/pre', case_sensitive: true }, metadata: META, route: action(A), decorator: { operation: 'a.example.com:80/pre*' } },
      { name: 'r.x', match: { safe_regex: { regex: '/re/[0-9]+' }, case_sensitive: true }, metadata: META, route: action(A), decorator: { operation: 'a.example.com:80/re/[0-9]+' } },
    ]);
  });

  test('ignoreUriCase makes exact and prefix case-insensitive, never a regex', () => {
    const { routes } = translate(`  - match:
    - {uri: {exact: /A}, ignoreUriCase: true}
    - {uri: {prefix: /B}, ignoreUriCase: true}
    - {uri: {regex: /C}, ignoreUriCase: true}
${dest}`);
    expect(routes.map((r) => r.match)).toEqual([
      { path: '/A', case_sensitive: false },
      { prefix: '/B', case_sensitive: false },
      { safe_regex: { regex: '/C' }, case_sensitive: true },
    ]);
  });

  test('a match name without a route name is appended after a dot, as Istio does', () => {
    const { routes } = translate(`  - match: [{name: only, uri: {prefix: /x}}]
${dest}`);
    expect(routes[0]!.name).toBe('.only');
  });
});

describe('header, pseudo-header and query matches', () => {
  test('headers sorted by name, then :method, :authority, :scheme; presence for {}', () => {
    const { routes } = translate(`  - match:
    - uri: {prefix: /h}
      method: {exact: GET}
      authority: {prefix: api.}
      scheme: {exact: https}
      headers:
        z-user: {regex: 'j.*'}
        a-flag: {}
        b-ver: {prefix: v2}
${dest}`);
    expect(routes[0]!.match).toEqual({
      prefix: '/h',
      case_sensitive: true,
      headers: [
        { name: 'a-flag', present_match: true },
        { name: 'b-ver', string_match: { prefix: 'v2' } },
        { name: 'z-user', string_match: { safe_regex: { regex: 'j.*' } } },
        { name: ':method', string_match: { exact: 'GET' } },
        { name: ':authority', string_match: { prefix: 'api.' } },
        { name: ':scheme', string_match: { exact: 'https' } },
      ],
    });
  });

  test('withoutHeaders invert and treat a missing header as empty, except presence matchers ({} and regex "*")', () => {
    const { routes } = translate(`  - match:
    - headers: {x-a: {exact: yes}}
      withoutHeaders:
        x-b: {exact: no}
        x-c: {}
        x-d: {regex: '*'}
${dest}`);
    expect(routes[0]!.match.headers).toEqual([
      { name: 'x-a', string_match: { exact: 'yes' } },
      { name: 'x-b', string_match: { exact: 'no' }, invert_match: true, treat_missing_header_as_empty: true },
      { name: 'x-c', present_match: true, invert_match: true },
      { name: 'x-d', present_match: true, invert_match: true },
    ]);
  });

  test('queryParams: exact, prefix, regex and presence, sorted by name', () => {
    const { routes } = translate(`  - match:
    - queryParams:
        q: {regex: '[a-z]+'}
        b: {prefix: x}
        a: {exact: ''}
        p: {}
${dest}`);
    expect(routes[0]!.match).toEqual({
      prefix: '/',
      case_sensitive: true,
      query_parameters: [
        { name: 'a', string_match: { exact: '' } },
        { name: 'b', string_match: { prefix: 'x' } },
        { name: 'p', present_match: true },
        { name: 'q', string_match: { safe_regex: { regex: '[a-z]+' } } },
      ],
    });
  });

  test('JWT claim keys (dot and bracket forms) match istio_authn dynamic metadata, inverted for withoutHeaders', () => {
    const { routes } = translate(`  - match:
    - headers:
        '@request.auth.claims.groups.admin': {exact: 'true'}
        '@request.auth.claims[iss]': {}
        x-plain: {exact: '1'}
      withoutHeaders:
        '@request.auth.claims[org][team]': {prefix: ops}
${dest}`);
    expect(routes[0]!.match).toEqual({
      prefix: '/',
      case_sensitive: true,
      headers: [{ name: 'x-plain', string_match: { exact: '1' } }],
      dynamic_metadata: [
        { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'groups' }, { key: 'admin' }], value: { string_match: { exact: 'true' } } },
        { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'iss' }], value: { present_match: true } },
        { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key: 'org' }, { key: 'team' }], value: { string_match: { prefix: 'ops' } }, invert: true },
      ],
    });
  });
});
