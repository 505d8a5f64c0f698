import { describe, expect, test } from 'vitest';
import { translate } from './helpers.ts';

// Header operations and authority precedence (Istio route.go TranslateHeadersOperations,
// processDestination, processWeightedDestination; reference §3.6).

const SET = 'OVERWRITE_IF_EXISTS_OR_ADD';
const ADD = 'APPEND_IF_EXISTS_OR_ADD';

describe('route headers', () => {
  test('request/response set (overwrite) then add (append), keys sorted; removes kept in order, internal names dropped', () => {
    const { routes } = translate(`  - headers:
      request:
        set: {z-set: '1', a-set: '2'}
        add: {m-add: '3'}
        remove: [x-drop, x-also]
      response:
        add: {b: 'y'}
        set: {a: 'x'}
        remove: [server]
    route: [{destination: {host: a.example.com}}]`);
    const r = routes[0]!;
    expect(r.request_headers_to_add).toEqual([
      { header: { key: 'a-set', value: '2' }, append_action: SET },
      { header: { key: 'z-set', value: '1' }, append_action: SET },
      { header: { key: 'm-add', value: '3' }, append_action: ADD },
    ]);
    expect(r.request_headers_to_remove).toEqual(['x-drop', 'x-also']);
    expect(r.response_headers_to_add).toEqual([
      { header: { key: 'a', value: 'x' }, append_action: SET },
      { header: { key: 'b', value: 'y' }, append_action: ADD },
    ]);
    expect(r.response_headers_to_remove).toEqual(['server']);
    expect(r.route!.host_rewrite_literal).toBeUndefined();
  });

  test('setting :authority or Host is an authority rewrite, not a header operation', () => {
    const { routes } = translate(`  - headers: {request: {set: {Host: new.example.com, x: '1'}}}
    route: [{destination: {host: a.example.com}}]`);
    expect(routes[0]!.request_headers_to_add).toEqual([{ header: { key: 'x', value: '1' }, append_action: SET }]);
    expect(routes[0]!.route!.host_rewrite_literal).toBe('new.example.com');
  });
});

describe('destination headers', () => {
  test('single destination: appended after the route ops; its authority applies only without a route-level one', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /one}}]
    headers: {request: {set: {x-route: r}}}
    route:
    - destination: {host: a.example.com}
      headers: {request: {set: {x-dest: d, Host: dest.example.com}}, response: {add: {x-resp: d}}}
  - match: [{uri: {prefix: /two}}]
    headers: {request: {set: {':authority': route.example.com}}}
    route:
    - destination: {host: a.example.com}
      headers: {request: {set: {Host: dest.example.com}}}`);
    expect(routes[0]!.request_headers_to_add).toEqual([
      { header: { key: 'x-route', value: 'r' }, append_action: SET },
      { header: { key: 'x-dest', value: 'd' }, append_action: SET },
    ]);
    expect(routes[0]!.response_headers_to_add).toEqual([{ header: { key: 'x-resp', value: 'd' }, append_action: ADD }]);
    expect(routes[0]!.route!.host_rewrite_literal).toBe('dest.example.com');
    expect(routes[1]!.route!.host_rewrite_literal).toBe('route.example.com');
  });

  test('weighted: destination ops ride on the cluster entry; a route-level rewrite.authority wins, so the entry authority is left out', () => {
    const { routes } = translate(`  - rewrite: {authority: rewritten.example.com}
    route:
    - destination: {host: a.example.com}
      weight: 60
      headers: {request: {set: {Host: a-host.example.com, x-a: '1'}, remove: [x-r]}, response: {set: {x-s: '2'}}}
    - destination: {host: b.example.com}
      weight: 40`);
    expect(routes[0]!.route!.weighted_clusters).toEqual({
      clusters: [
        {
          name: 'outbound|80||a.example.com',
          weight: 60,
          request_headers_to_add: [{ header: { key: 'x-a', value: '1' }, append_action: SET }],
          request_headers_to_remove: ['x-r'],
          response_headers_to_add: [{ header: { key: 'x-s', value: '2' }, append_action: SET }],
        },
        { name: 'outbound|80||b.example.com', weight: 40 },
      ],
    });
    expect(routes[0]!.route!.host_rewrite_literal).toBe('rewritten.example.com');
    expect(routes[0]!.request_headers_to_add).toBeUndefined();
  });

  test('weighted without a route-level authority: the destination authority rewrites its own cluster only', () => {
    const { routes } = translate(`  - route:
    - {destination: {host: a.example.com}, weight: 60, headers: {request: {set: {Host: a-host.example.com}}}}
    - {destination: {host: b.example.com}, weight: 40}`);
    expect(routes[0]!.route!.weighted_clusters!.clusters).toEqual([
      { name: 'outbound|80||a.example.com', weight: 60, host_rewrite_literal: 'a-host.example.com' },
      { name: 'outbound|80||b.example.com', weight: 40 },
    ]);
    expect(routes[0]!.route!.host_rewrite_literal).toBeUndefined();
  });

  test('rewrite.authority beats a header-set authority on the same route', () => {
    const { routes } = translate(`  - rewrite: {authority: rw.example.com}
    route: [{destination: {host: a.example.com}, headers: {request: {set: {host: d.example.com}}}}]`);
    expect(routes[0]!.route!.host_rewrite_literal).toBe('rw.example.com');
  });
});
