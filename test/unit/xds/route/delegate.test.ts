import { describe, expect, test } from 'vitest';
import { DEFAULT_RETRY, routesOf, setup } from './helpers.ts';

// Delegate VirtualServices (Istio pilot/pkg/model/virtualservice.go; reference §3.3).

const root = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw]
  http:
${http}
`;
const delegate = (http: string, name = 'reviews', ns = 'team', more = '') => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
${more}  http:
${http}
`;
const load = (...docs: string[]) => setup(docs.join('---\n'));

describe('delegate merge', () => {
  test('replaced in place; delegate match × root match, names joined with "-", short names resolved in the delegate namespace, root fields inherited', () => {
    const tx = load(
      root(`  - match: [{uri: {prefix: /first}}]
    route: [{destination: {host: first.example.com}}]
  - name: root
    match: [{name: m, uri: {prefix: /api}, headers: {x-root: {exact: '1'}}}]
    delegate: {name: reviews, namespace: team}
    timeout: 3s
    headers: {request: {set: {x-from: root}}}
    retries: {attempts: 1}
  - route: [{destination: {host: last.example.com}}]`),
      delegate(`  - name: v2
    match: [{name: d, uri: {prefix: /api/v2}, headers: {x-del: {exact: '2'}}}]
    route: [{destination: {host: reviews, subset: v2}}]
    timeout: 1s`),
    );
    const routes = routesOf(tx);
    expect(routes.map((r) => [r.name, r.match.prefix, r.route!.cluster])).toEqual([
      [undefined, '/first', 'outbound|80||first.example.com'],
      ['root-v2.m-d', '/api/v2', 'outbound|80|v2|reviews.team.svc.cluster.local'],
      [undefined, '/', 'outbound|80||last.example.com'],
    ]);
    const merged = routes[1]!;
    expect(merged.match.headers).toEqual([
      { name: 'x-del', string_match: { exact: '2' } },
      { name: 'x-root', string_match: { exact: '1' } },
    ]);
    expect(merged.route!.timeout).toBe('1s'); // the delegate's own wins
    expect(merged.route!.retry_policy).toEqual({ ...DEFAULT_RETRY, num_retries: 1 }); // inherited
    expect(merged.request_headers_to_add).toEqual([{ header: { key: 'x-from', value: 'root' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' }]);
    expect(merged.metadata).toEqual({ filter_metadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/vs' } } });
    expect(tx.warnings).toEqual([]);
  });

  test('root without match ⇒ delegate matches; delegate without match ⇒ root matches; namespace defaults to the root one', () => {
    const tx = load(
      root(`  - match: [{uri: {prefix: /a}}, {uri: {exact: /b}}]
    delegate: {name: nomatch}
  - delegate: {name: withmatch}`),
      delegate(`  - route: [{destination: {host: svc-a}}]`, 'nomatch', 'default'),
      delegate(`  - match: [{uri: {prefix: /c}}]\n    route: [{destination: {host: svc-c}}]`, 'withmatch', 'default'),
    );
    expect(routesOf(tx).map((r) => [r.match.prefix ?? r.match.path, r.route!.cluster])).toEqual([
      ['/a', 'outbound|80||svc-a.default.svc.cluster.local'],
      ['/b', 'outbound|80||svc-a.default.svc.cluster.local'],
      ['/c', 'outbound|80||svc-c.default.svc.cluster.local'],
    ]);
  });

  test('a delegate match compatible with several root matches yields one merged match per compatible root match', () => {
    const tx = load(
      root(`  - match: [{uri: {prefix: /api}, method: {exact: GET}}, {uri: {prefix: /api}, method: {exact: POST}}, {uri: {prefix: /admin}}]
    delegate: {name: reviews, namespace: team}`),
      delegate(`  - match: [{uri: {prefix: /api/x}}]\n    route: [{destination: {host: x.example.com}}]`),
    );
    expect(routesOf(tx).map((r) => [r.match.prefix, r.match.headers])).toEqual([
      ['/api/x', [{ name: ':method', string_match: { exact: 'GET' } }]],
      ['/api/x', [{ name: ':method', string_match: { exact: 'POST' } }]],
    ]);
  });
});

describe('delegate conflicts', () => {
  test('a delegate route whose match is compatible with no root match is dropped (others kept), with a warning', () => {
    const tx = load(
      root(`  - name: r
    match: [{uri: {prefix: /api}}]
    delegate: {name: reviews, namespace: team}`),
      delegate(`  - name: outside
    match: [{uri: {prefix: /other}}]
    route: [{destination: {host: o.example.com}}]
  - name: inside
    match: [{uri: {exact: /api/ok}}]
    route: [{destination: {host: i.example.com}}]`),
    );
    expect(routesOf(tx).map((r) => [r.name, r.match.path])).toEqual([['r-inside', '/api/ok']]);
    expect(tx.warnings).toEqual(['VirtualService default/vs: delegate team/reviews: route outside conflicts with the root route r matches; skipped']);
  });

  test.each([
    ['root exact, delegate prefix', `{uri: {exact: /a}}`, `{uri: {prefix: /a}}`],
    ['root exact, different exact', `{uri: {exact: /a}}`, `{uri: {exact: /b}}`],
    ['root prefix, shorter delegate prefix', `{uri: {prefix: /a/b}}`, `{uri: {prefix: /a}}`],
    ['regex on either side', `{uri: {prefix: /a}}`, `{uri: {regex: /a.*}}`],
    ['root regex', `{uri: {regex: /a.*}}`, `{uri: {prefix: /a}}`],
    ['ignoreUriCase differs', `{uri: {prefix: /a}}`, `{uri: {prefix: /a}, ignoreUriCase: true}`],
    ['different ports', `{port: 80}`, `{port: 8080}`],
    ['header value not narrower', `{headers: {x: {prefix: ab}}}`, `{headers: {x: {exact: zz}}}`],
    ['query param not narrower', `{queryParams: {q: {exact: '1'}}}`, `{queryParams: {q: {exact: '2'}}}`],
    ['gateways not a subset', `{gateways: [istio-system/gw]}`, `{gateways: [istio-system/gw, istio-system/other]}`],
  ])('%s ⇒ conflict', (_, rootMatch, delegateMatch) => {
    const tx = load(
      root(`  - match: [${rootMatch}]\n    delegate: {name: reviews, namespace: team}`),
      delegate(`  - match: [${delegateMatch}]\n    route: [{destination: {host: x.example.com}}]`),
    );
    expect(routesOf(tx)).toEqual([]);
    expect(tx.warnings).toHaveLength(1);
  });

  test('compatible: same exact, narrower prefix, port and headers from the root filled in', () => {
    const tx = load(
      root(`  - match: [{uri: {exact: /a}, port: 80, headers: {x: {prefix: ab}}}]\n    delegate: {name: reviews, namespace: team}`),
      delegate(`  - match: [{uri: {exact: /a}, headers: {x: {exact: abc}, y: {exact: '1'}}}]\n    route: [{destination: {host: x.example.com}}]`),
    );
    expect(routesOf(tx).map((r) => r.match)).toEqual([
      {
        path: '/a',
        case_sensitive: true,
        headers: [
          { name: 'x', string_match: { exact: 'abc' } },
          { name: 'y', string_match: { exact: '1' } },
        ],
      },
    ]);
    expect(routesOf(tx, 'vs', 'default', 8080)).toEqual([]); // inherited port 80
  });
});

describe('delegate lookup', () => {
  test('missing or not exported to the root namespace ⇒ that HTTP route is skipped with a warning', () => {
    const tx = load(
      root(`  - match: [{uri: {prefix: /missing}}]
    delegate: {name: nope, namespace: team}
  - match: [{uri: {prefix: /private}}]
    delegate: {name: private, namespace: team}
  - match: [{uri: {prefix: /shared}}]
    delegate: {name: shared, namespace: team}`),
      delegate(`  - route: [{destination: {host: p.example.com}}]`, 'private', 'team', '  exportTo: [.]\n'),
      delegate(`  - route: [{destination: {host: s.example.com}}]`, 'shared', 'team', '  exportTo: [default]\n'),
    );
    expect(routesOf(tx).map((r) => [r.match.prefix, r.route!.cluster])).toEqual([['/shared', 'outbound|80||s.example.com']]);
    expect(tx.warnings).toEqual([
      'VirtualService default/vs: delegate team/nope not found; its HTTP route is skipped',
      'VirtualService default/vs: delegate team/private is not exported to namespace default; its HTTP route is skipped',
    ]);
  });
});
