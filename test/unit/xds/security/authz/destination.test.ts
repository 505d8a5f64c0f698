import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../../../src/xds/generate.ts';
import { Snapshot } from '../../../../../src/xds/snapshot.ts';
import { DestinationAuthzPerRoute, RbacFilterConfig } from '../../../../../src/xds/filters/rbac.ts';
import { ap, ingress, pushOf } from './helpers.ts';

// Destination-scoped policies (scope (c)): carried per route for the services the route sends to.

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
  - {address: "worker:REVIEWS_V1", labels: {app: reviews, version: v1}}
  - {address: "worker:REVIEWS_V2", labels: {app: reviews, version: v2}}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: other}
spec:
  hosts: [ratings.other.svc.cluster.local]
  ports: [{number: 9080, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: "worker:RATINGS", labels: {app: ratings}}]
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
  - name: moved
    match: [{uri: {prefix: /moved}}]
    redirect: {uri: /v1}
---
`;

async function perRoute(policies: string) {
  const { snapshot } = await generateSnapshot(pushOf(base + policies), ingress);
  expect(Snapshot.parse(snapshot)).toEqual(snapshot);
  const routes = snapshot.resources.route[0]!.virtual_hosts.flatMap((v) => v.routes);
  const stages = (name: string) => {
    const cfg = routes.find((r) => r.name === name)?.typed_per_filter_config?.['meshgate.filters.http.destination_authz'];
    if (!cfg) return undefined;
    return DestinationAuthzPerRoute.parse(cfg).destinations.map((d) => ({
      name: d.name,
      filters: d.http_filters.map((f) => {
        const c = f.name === 'envoy.filters.http.rbac' ? RbacFilterConfig.parse(f.typed_config) : undefined;
        return c?.rules ? `${c.rules.action}:${Object.keys(c.rules.policies).join(',')}` : f.name;
      }),
    }));
  };
  const listener = snapshot.resources.listener[0]!.filter_chains[0]!.filters[0]!.typed_config.http_filters.map((f) => f.name);
  return { stages, listener };
}

describe('destination-scoped policies per route', () => {
  test('a namespace-wide policy of the destination namespace applies to routes to its services only', async () => {
    const { stages, listener } = await perRoute(ap('ns-allow', 'bookinfo', '  rules: [{from: [{source: {principals: [cluster.local/ns/a/sa/x]}}]}]'));
    expect(listener.filter((n) => n.includes('rbac') || n.includes('authz'))).toEqual(['meshgate.filters.http.destination_authz']);
    expect(stages('v1')).toEqual([{ name: 'reviews.bookinfo.svc.cluster.local|v1', filters: ['ALLOW:ns[bookinfo]-policy[ns-allow]-rule[0]'] }]);
    // Both subsets select the same policies: one stage.
    expect(stages('split')).toEqual([{ name: 'reviews.bookinfo.svc.cluster.local|v1', filters: ['ALLOW:ns[bookinfo]-policy[ns-allow]-rule[0]'] }]);
    expect(stages('ratings')).toBeUndefined();
    expect(stages('moved')).toBeUndefined();
  });

  test('a selector picks endpoints by labels: a weighted route carries one stage per distinct policy set', async () => {
    const { stages } = await perRoute(ap('v2-deny', 'bookinfo', '  selector: {matchLabels: {version: v2}}\n  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]'));
    expect(stages('v1')).toBeUndefined();
    expect(stages('split')).toEqual([{ name: 'reviews.bookinfo.svc.cluster.local|v2', filters: ['DENY:ns[bookinfo]-policy[v2-deny]-rule[0]'] }]);
  });

  test('targetRefs to the ServiceEntry (or a Service of that name); root-namespace selectors match destination labels', async () => {
    const { stages } = await perRoute(
      ap('by-se', 'bookinfo', '  targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: reviews}]\n  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]') +
      ap('by-svc', 'other', '  targetRefs: [{kind: Service, name: ratings}]\n  action: DENY\n  rules: [{to: [{operation: {methods: [PUT]}}]}]') +
      ap('wrong-se', 'bookinfo', '  targetRefs: [{group: networking.istio.io, kind: ServiceEntry, name: nope}]\n  action: DENY\n  rules: [{}]') +
      ap('root-sel', 'istio-system', '  selector: {matchLabels: {app: ratings}}\n  action: AUDIT\n  rules: [{}]'),
    );
    expect(stages('v1')).toEqual([{ name: 'reviews.bookinfo.svc.cluster.local|v1', filters: ['DENY:ns[bookinfo]-policy[by-se]-rule[0]'] }]);
    expect(stages('ratings')).toEqual([{ name: 'ratings.other.svc.cluster.local', filters: ['LOG:ns[istio-system]-policy[root-sel]-rule[0]', 'DENY:ns[other]-policy[by-svc]-rule[0]'] }]);
  });

  test('mesh-wide ALLOW joins the destination ALLOW set; mesh-wide DENY stays at the listener only', async () => {
    const { stages, listener } = await perRoute(
      ap('mesh-allow', 'istio-system', '  rules: [{to: [{operation: {paths: [/healthz]}}]}]') +
      ap('mesh-deny', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/secret]}}]}]') +
      ap('ns-allow', 'bookinfo', '  rules: [{from: [{source: {namespaces: [a]}}]}]'),
    );
    expect(listener.filter((n) => n.includes('rbac') || n.includes('authz'))).toEqual(['envoy.filters.http.rbac', 'envoy.filters.http.rbac', 'meshgate.filters.http.destination_authz']);
    expect(stages('v1')).toEqual([{ name: 'reviews.bookinfo.svc.cluster.local|v1', filters: ['ALLOW:ns[bookinfo]-policy[ns-allow]-rule[0],ns[istio-system]-policy[mesh-allow]-rule[0]'] }]);
    expect(stages('ratings')).toBeUndefined();
  });

  test('a gateway-selected ALLOW next to a mesh-wide ALLOW: every destination re-checks the mesh-wide ALLOW', async () => {
    const { stages } = await perRoute(
      ap('mesh-allow', 'istio-system', '  rules: [{to: [{operation: {paths: [/healthz]}}]}]') +
      ap('gw-allow', 'istio-system', '  selector: {matchLabels: {istio: ingressgateway}}\n  rules: [{to: [{operation: {paths: ["/v1*"]}}]}]'),
    );
    expect(stages('ratings')).toEqual([{ name: 'ratings.other.svc.cluster.local', filters: ['ALLOW:ns[istio-system]-policy[mesh-allow]-rule[0]'] }]);
  });
});
