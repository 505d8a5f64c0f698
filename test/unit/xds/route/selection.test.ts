import { describe, expect, test } from 'vitest';
import { routesOf, setup, translate, vsYaml } from './helpers.ts';

// Which match entries become routes for a gateway port (Istio route.go
// BuildHTTPRoutesForVirtualService, TranslateRoute, sourceMatchHTTP).

const dest = `    route: [{destination: {host: a.example.com}}]`;
const paths = (routes: { match: { prefix?: string; path?: string } }[]) => routes.map((r) => r.match.prefix ?? r.match.path);

describe('per-match selectors', () => {
  test('a match whose port differs from the listener port is skipped', () => {
    const tx = setup(vsYaml(`  - match: [{uri: {prefix: /p80}, port: 80}, {uri: {prefix: /p443}, port: 443}, {uri: {prefix: /any}}]\n${dest}`));
    expect(paths(routesOf(tx, 'vs', 'default', 80))).toEqual(['/p80', '/any']);
    expect(paths(routesOf(tx, 'vs', 'default', 443))).toEqual(['/p443', '/any']);
  });

  test('match gateways (short, ns/name and legacy FQDN forms) must include a target gateway', () => {
    const { routes } = translate(`  - match:
    - {uri: {prefix: /other}, gateways: [istio-system/other]}
    - {uri: {prefix: /full}, gateways: [istio-system/gw]}
    - {uri: {prefix: /legacy}, gateways: [gw.istio-system.svc.cluster.local]}
    - {uri: {prefix: /short}, gateways: [gw]}
    - {uri: {prefix: /mesh}, gateways: [mesh]}
${dest}`);
    // A bare `gw` names default/gw (the VirtualService's namespace), not istio-system/gw.
    expect(paths(routes)).toEqual(['/full', '/legacy']);
  });

  test('sourceLabels and sourceNamespace select the proxy the routes are built for: the gateway itself (sourceMatchHTTP)', () => {
    const tx = setup(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw, mesh]
  http:
  - match:
    - {uri: {prefix: /labels}, sourceLabels: {istio: ingressgateway}}
    - {uri: {prefix: /other-labels}, sourceLabels: {app: x}}
    - {uri: {prefix: /ns}, sourceNamespace: istio-system}
    - {uri: {prefix: /other-ns}, sourceNamespace: foo}
    - {uri: {prefix: /ok}}
${dest}
`);
    tx.proxy = { namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'istio-ingressgateway' } };
    expect(paths(routesOf(tx))).toEqual(['/labels', '/ns', '/ok']);
  });

  test("a match without gateways applies wherever its VirtualService is bound; one with gateways only at those", () => {
    const tx = setup(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: vs, namespace: default}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw, istio-system/other]
  http:
  - match: [{uri: {prefix: /both}}, {uri: {prefix: /gw-only}, gateways: [istio-system/gw]}]
${dest}
  - route: [{destination: {host: b.example.com}}]
`);
    expect(paths(routesOf(tx))).toEqual(['/both', '/gw-only', '/']);
    expect(paths(routesOf(tx, 'vs', 'default', 80, ['istio-system/other']))).toEqual(['/both', '/']);
  });
});

describe('catch-all', () => {
  test('a route without match is prefix "/" and ends the VirtualService', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /a}}]
${dest}
  - route: [{destination: {host: b.example.com}}]
  - match: [{uri: {prefix: /never}}]
${dest}`);
    expect(routes.map((r) => [r.match.prefix, r.route!.cluster])).toEqual([
      ['/a', 'outbound|80||a.example.com'],
      ['/', 'outbound|80||b.example.com'],
    ]);
  });

  test('a match that translates to a catch-all (prefix "/" or regex ".*", no headers) also ends it; one with headers does not', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /}, headers: {x: {exact: '1'}}}]
${dest}
  - match: [{uri: {regex: '.*'}}, {uri: {prefix: /unreached}}]
${dest}
  - match: [{uri: {prefix: /never}}]
${dest}`);
    expect(routes.map((r) => r.match)).toEqual([
      { prefix: '/', case_sensitive: true, headers: [{ name: 'x', string_match: { exact: '1' } }] },
      { safe_regex: { regex: '.*' }, case_sensitive: true },
    ]);
  });
});
