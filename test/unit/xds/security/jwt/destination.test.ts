import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { JwtAuthentication } from '../../../../../src/xds/filters/jwt-authn.ts';
import type { Node } from '../../../../../src/xds/protocol.ts';
import { push } from '../../snapshot-helpers.ts';

// Destination-scoped RequestAuthentications (docs/security.md "Scope"): a policy in the
// namespace of the service a route sends to applies to that route, through a per-route
// requirement_name: the gateway's requirement AND the destination workload's.

const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
const dir = join(import.meta.dirname, '../../../../../examples/bookinfo');
const read = (f: string) => readFileSync(join(dir, f), 'utf8');
const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' }] });

const routesVs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: edge, namespace: default}
spec:
  hosts: ["*"]
  gateways: [bookinfo-gateway]
  http:
  - name: ratings
    match: [{uri: {prefix: /ratings}}]
    route: [{destination: {host: ratings}}]
  - name: reviews-v2
    match: [{uri: {prefix: /reviews/v2}}]
    route: [{destination: {host: reviews, subset: v2}}]
  - name: reviews-v3
    match: [{uri: {prefix: /reviews/v3}}]
    route: [{destination: {host: reviews, subset: v3}}]
  - name: details
    match: [{uri: {prefix: /details}}]
    route: [{destination: {host: details}}]
  - name: product
    route: [{destination: {host: productpage}}]`;

const policies = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: mesh, namespace: istio-system}
spec:
  jwtRules: [{issuer: mesh-issuer, jwks: '${JWKS}'}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ratings-jwt, namespace: default}
spec:
  selector: {matchLabels: {app: ratings}}
  jwtRules: [{issuer: ratings-issuer, jwks: '${JWKS}'}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: reviews-v3, namespace: default}
spec:
  selector: {matchLabels: {app: reviews, version: v3}}
  jwtRules: [{issuer: b-reviews-issuer, jwks: '${JWKS}'}]
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: details-ref, namespace: default}
spec:
  targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: details}]
  jwtRules: [{issuer: details-issuer, jwks: '${JWKS}'}]`;

describe('destination-scoped RequestAuthentication', () => {
  test('per-route requirement names and the listener requirement_map agree', async () => {
    const p = push(read('services.yaml'), read('bookinfo-gateway.yaml').split('---')[0]!, read('destination-rule-all.yaml'), routesVs, policies);
    const { snapshot } = await generateSnapshot(p, ingress);
    const hcm = snapshot.resources.listener[0]!.filter_chains[0]!.filters[0]!.typed_config;
    const filter = hcm.http_filters.find((f) => f.name === 'envoy.filters.http.jwt_authn')!;
    const cfg = JwtAuthentication.parse(filter.typed_config);
    const routes = snapshot.resources.route[0]!.virtual_hosts[0]!.routes;
    const req = (name: string) => (routes.find((r) => r.name === name)!.typed_per_filter_config?.['envoy.filters.http.jwt_authn'] as { requirement_name?: string } | undefined)?.requirement_name;
    expect(req('ratings')).toBe('meshgate.destination:default/ratings-jwt');
    expect(req('reviews-v3')).toBe('meshgate.destination:default/reviews-v3');
    expect(req('details')).toBe('meshgate.destination:default/details-ref');
    expect(req('reviews-v2')).toBeUndefined(); // the v3 selector does not select v2 endpoints
    expect(req('product')).toBeUndefined();

    // The gateway's own requirement is Istio's for the mesh-wide rule alone.
    expect(cfg.providers['origins-0']?.issuer).toBe('mesh-issuer');
    expect(cfg.rules).toEqual([{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }]);
    const issuerOf = Object.fromEntries(Object.entries(cfg.providers).map(([k, v]) => [k, v.issuer]));
    const providerFor = (iss: string) => Object.keys(issuerOf).find((k) => issuerOf[k] === iss)!;
    const opt = (n: string) => ({ requires_any: { requirements: [{ provider_name: n }, { allow_missing: {} }] } });
    // Istio's requirement for the destination workload: mesh-wide + its own rules, in issuer order.
    const workload = (names: string[]) => ({ requires_any: { requirements: [...names.map((n) => ({ provider_name: n })), { requires_all: { requirements: names.map(opt) } }] } });
    // The gateway's requirement first, then the destination's (gateway, then sidecar).
    const stages = (names: string[]) => ({ requires_all: { requirements: [opt('origins-0'), workload(names)] } });
    expect(cfg.requirement_map).toEqual({
      'meshgate.destination:default/details-ref': stages([providerFor('details-issuer'), providerFor('mesh-issuer')]),
      'meshgate.destination:default/ratings-jwt': stages([providerFor('mesh-issuer'), providerFor('ratings-issuer')]),
      'meshgate.destination:default/reviews-v3': stages([providerFor('b-reviews-issuer'), providerFor('mesh-issuer')]),
    });
  });

  test('no gateway policy: the filter carries only the destination requirements', async () => {
    const onlyDest = policies.split('---').slice(1).join('---');
    const p = push(read('services.yaml'), read('bookinfo-gateway.yaml').split('---')[0]!, read('destination-rule-all.yaml'), routesVs, onlyDest);
    const { snapshot } = await generateSnapshot(p, ingress);
    const filter = snapshot.resources.listener[0]!.filter_chains[0]!.filters[0]!.typed_config.http_filters.find((f) => f.name === 'envoy.filters.http.jwt_authn')!;
    const cfg = JwtAuthentication.parse(filter.typed_config);
    expect(cfg.rules).toBeUndefined();
    expect(Object.keys(cfg.requirement_map ?? {})).toEqual(['meshgate.destination:default/details-ref', 'meshgate.destination:default/ratings-jwt', 'meshgate.destination:default/reviews-v3']);
    expect(cfg.requirement_map!['meshgate.destination:default/ratings-jwt']).toEqual({ requires_any: { requirements: [{ provider_name: Object.keys(cfg.providers).find((k) => cfg.providers[k]!.issuer === 'ratings-issuer') }, { allow_missing: {} }] } });
  });
});

describe('root-namespace policies with a selector', () => {
  test('apply to the gateway when they select it, and to destinations whose endpoints they select', async () => {
    const rootSel = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ratings-anywhere, namespace: istio-system}
spec:
  selector: {matchLabels: {app: ratings}}
  jwtRules: [{issuer: root-ratings, jwks: '${JWKS}'}]`;
    const p = push(read('services.yaml'), read('bookinfo-gateway.yaml').split('---')[0]!, read('destination-rule-all.yaml'), routesVs, rootSel);
    const { snapshot } = await generateSnapshot(p, ingress);
    const filter = snapshot.resources.listener[0]!.filter_chains[0]!.filters[0]!.typed_config.http_filters.find((f) => f.name === 'envoy.filters.http.jwt_authn')!;
    const cfg = JwtAuthentication.parse(filter.typed_config);
    expect(cfg.rules).toBeUndefined(); // it does not select the gateway
    expect(Object.keys(cfg.requirement_map ?? {})).toEqual(['meshgate.destination:istio-system/ratings-anywhere']);
  });
});

describe('subsets the gateway sees through a DestinationRule that selects it (workloadSelector)', () => {
  test('a policy selecting v1 endpoints does not apply to a route to subset v2; the listener map and the route agree', async () => {
    const yaml = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.example.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: 10.0.0.1, labels: {version: v1}}, {address: 10.0.0.2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: shop-at-gateway, namespace: istio-system}
spec:
  host: shop.example.com
  workloadSelector: {matchLabels: {istio: ingressgateway}}
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: shop, namespace: default}
spec:
  hosts: [shop.example.com]
  gateways: [bookinfo-gateway]
  http:
  - {name: to-v1, match: [{uri: {prefix: /v1}}], route: [{destination: {host: shop.example.com, subset: v1}}]}
  - {name: to-v2, route: [{destination: {host: shop.example.com, subset: v2}}]}
---
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: v1-only, namespace: default}
spec:
  selector: {matchLabels: {version: v1}}
  jwtRules: [{issuer: v1-issuer, jwks: '${JWKS}'}]`;
    const p = push(read('bookinfo-gateway.yaml').split('---')[0]!, yaml);
    const { snapshot } = await generateSnapshot(p, ingress);
    const routes = snapshot.resources.route[0]!.virtual_hosts.flatMap((v) => v.routes);
    const req = (name: string) => (routes.find((r) => r.name === name)!.typed_per_filter_config?.['envoy.filters.http.jwt_authn'] as { requirement_name?: string } | undefined)?.requirement_name;
    expect(req('to-v1')).toBe('meshgate.destination:default/v1-only');
    expect(req('to-v2')).toBeUndefined();
    const filter = snapshot.resources.listener[0]!.filter_chains[0]!.filters[0]!.typed_config.http_filters.find((f) => f.name === 'envoy.filters.http.jwt_authn')!;
    expect(Object.keys(JwtAuthentication.parse(filter.typed_config).requirement_map ?? {})).toEqual(['meshgate.destination:default/v1-only']);
  });
});
