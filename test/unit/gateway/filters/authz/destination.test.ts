import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { buildAuthorizationFilters } from '../../../../../src/xds/security/authorization.ts';
import { compileHttpFilters } from '../../../../../src/gateway/filters/chain.ts';
import { compileDestinationAuthzPerRoute } from '../../../../../src/gateway/filters/authz.ts';
import type { Route } from '../../../../../src/xds/resources/route.ts';
import { ap, decide, DENIED, ingress, pushOf } from './helpers.ts';

// Destination-scoped policies on the data plane: the listener's destination stage runs what the
// matched route carries, after (and in addition to) the gateway's own policies.

const base = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*/app.example.com"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints:
  - {address: "worker:REVIEWS_V1", labels: {version: v1}}
  - {address: "worker:REVIEWS_V2", labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: other}
spec:
  hosts: [ratings.other.svc.cluster.local]
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: "worker:RATINGS"}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews.bookinfo.svc.cluster.local
  subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: app, namespace: bookinfo}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw]
  http:
  - name: v1
    match: [{uri: {prefix: /v1}}]
    route: [{destination: {host: reviews, subset: v1}}]
  - name: split
    match: [{uri: {prefix: /split}}]
    route: [{destination: {host: reviews, subset: v1}, weight: 50}, {destination: {host: reviews, subset: v2}, weight: 50}]
  - name: ratings
    match: [{uri: {prefix: /ratings}}]
    route: [{destination: {host: ratings.other.svc.cluster.local}}]
---
`;

const policies =
  ap('reviews-allow', 'bookinfo', '  rules: [{from: [{source: {principals: [cluster.local/ns/front/sa/web]}}]}]') +
  ap('v2-deny', 'bookinfo', '  selector: {matchLabels: {version: v2}}\n  action: DENY\n  rules: [{to: [{operation: {paths: ["/split/admin*"]}}]}]') +
  ap('gw-deny', 'istio-system', '  selector: {matchLabels: {istio: ingressgateway}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/ratings/blocked]}}]}]');

async function setup() {
  const push = pushOf(base + policies);
  const { snapshot } = await generateSnapshot(push, ingress);
  const routes = snapshot.resources.route[0]!.virtual_hosts.flatMap((v) => v.routes);
  const route = (name: string) => routes.find((r) => r.name === name) as Route;
  return { chain: compileHttpFilters(buildAuthorizationFilters(push, ingress)), route };
}

const web = { principal: 'cluster.local/ns/front/sa/web' };

describe('destination stage', () => {
  test('the destination namespace\'s ALLOW applies to routes to its services only', async () => {
    const { chain, route } = await setup();
    expect(await decide(chain, { path: '/v1/x', route: route('v1'), peer: web })).toBe('allow');
    expect(await decide(chain, { path: '/v1/x', route: route('v1') })).toBe(DENIED);
    expect(await decide(chain, { path: '/ratings/x', route: route('ratings') })).toBe('allow');
    // No route matched: nothing destination-scoped to enforce (the router answers 404).
    expect(await decide(chain, { path: '/nowhere' })).toBe('allow');
  });

  test('gateway-scoped policies still apply; destination policies add to them', async () => {
    const { chain, route } = await setup();
    expect(await decide(chain, { path: '/ratings/blocked', route: route('ratings') })).toBe(DENIED);
  });

  test('a weighted route must pass every destination it may reach (subset-selected DENY)', async () => {
    const { chain, route } = await setup();
    expect(await decide(chain, { path: '/split/x', route: route('split'), peer: web })).toBe('allow');
    expect(await decide(chain, { path: '/split/admin', route: route('split'), peer: web })).toBe(DENIED);
    expect(await decide(chain, { path: '/v1/split/admin', route: route('v1'), peer: web })).toBe('allow');
  });

  test('per-route configs compile (and can be validated) on their own; a broken one fails closed', async () => {
    const { chain, route } = await setup();
    const cfg = route('split').typed_per_filter_config!['meshgate.filters.http.destination_authz']!;
    expect(compileDestinationAuthzPerRoute(cfg).destinations).toHaveLength(2);
    expect(() => compileDestinationAuthzPerRoute({ '@type': cfg['@type'], destinations: [{ name: 'x', http_filters: [{ name: 'envoy.filters.http.rbac', typed_config: { '@type': 'nope' } }] }] })).toThrow();
    const broken = { ...route('ratings'), typed_per_filter_config: { 'meshgate.filters.http.destination_authz': { '@type': 'bad' } } } as Route;
    expect(await decide(chain, { path: '/ratings/x', route: broken })).toBe(DENIED);
  });
});
