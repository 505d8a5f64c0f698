import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { generateSnapshot } from '../../../../src/xds/generate.ts';
import { buildPushContext } from '../../../../src/xds/push-context.ts';
import { action, DEFAULT_RETRY, META, NO_TIMEOUT, routesOf, serviceEntry, setup, translate, vsYaml } from './helpers.ts';

// Destinations, weights, cluster names and ports (Istio route.go applyHTTPRouteDestination,
// GetDestinationCluster), hash policies from DestinationRules.

describe('clusters', () => {
  test('one destination: route.cluster; timeout disabled (0s); 503 when the cluster is missing; default retries', () => {
    const { routes, tx } = translate(`  - route: [{destination: {host: a.example.com, subset: v1}}]`);
    expect(routes).toEqual([
      {
        match: { prefix: '/', case_sensitive: true },
        metadata: META,
        route: {
          cluster: 'outbound|80|v1|a.example.com',
          cluster_not_found_response_code: 'SERVICE_UNAVAILABLE',
          ...NO_TIMEOUT,
          retry_policy: DEFAULT_RETRY,
        },
        decorator: { operation: 'a.example.com:80/*' },
      },
    ]);
    expect([...tx.clusters]).toEqual([['outbound|80|v1|a.example.com', { host: 'a.example.com', port: 80, subset: 'v1' }]]);
  });

  test('port: explicit, else the only service port, else the listener port (Istio GetDestinationCluster); short names use the VS namespace', () => {
    const tx = setup(
      [
        vsYaml(`  - match: [{uri: {prefix: /a}}]
    route: [{destination: {host: one, port: {number: 9999}}}]
  - match: [{uri: {prefix: /b}}]
    route: [{destination: {host: one}}]
  - match: [{uri: {prefix: /c}}]
    route: [{destination: {host: many.example.com}}]
  - match: [{uri: {prefix: /d}}]
    route: [{destination: {host: other.example.com}}]
  - match: [{uri: {prefix: /e}}]
    route: [{destination: {host: unknown.example.com}}]`),
        serviceEntry('one', 'one.default.svc.cluster.local', [8080]),
        serviceEntry('many', 'many.example.com', [9090, 80, 7070]),
        serviceEntry('other', 'other.example.com', [9090, 7070]),
      ].join('---\n'),
    );
    expect(routesOf(tx).map((r) => r.route?.cluster)).toEqual([
      'outbound|9999||one.default.svc.cluster.local',
      'outbound|8080||one.default.svc.cluster.local',
      'outbound|80||many.example.com',
      'outbound|80||other.example.com', // no such port: the route answers 503 (cluster not found)
      'outbound|80||unknown.example.com',
    ]);
    expect([...tx.clusters.keys()]).toHaveLength(5);
  });

  test('weights: weighted_clusters keeps relative weights, drops weight 0; decorator falls back to the VS name', () => {
    const { routes, tx } = translate(`  - match: [{uri: {prefix: /w}}]
    route:
    - {destination: {host: a.example.com, subset: v1}, weight: 30}
    - {destination: {host: a.example.com, subset: v2}, weight: 0}
    - {destination: {host: b.example.com}, weight: 45}`);
    expect(routes[0]!.route).toEqual({
      weighted_clusters: {
        clusters: [
          { name: 'outbound|80|v1|a.example.com', weight: 30 },
          { name: 'outbound|80||b.example.com', weight: 45 },
        ],
      },
      cluster_not_found_response_code: 'SERVICE_UNAVAILABLE',
      ...NO_TIMEOUT,
      retry_policy: DEFAULT_RETRY,
    });
    expect(routes[0]!.decorator).toEqual({ operation: 'vs:80/w*' });
    expect([...tx.clusters.keys()].sort()).toEqual(['outbound|80|v1|a.example.com', 'outbound|80||b.example.com']);
  });

  test('one destination left after dropping weight 0 is a plain cluster', () => {
    const { routes } = translate(`  - route:
    - {destination: {host: a.example.com, subset: v1}, weight: 100}
    - {destination: {host: a.example.com, subset: v2}, weight: 0}`);
    expect(routes[0]!.route).toEqual(action('outbound|80|v1|a.example.com'));
  });

  test('timeout is converted to proto seconds; it also caps a gRPC caller\'s grpc-timeout (Istio setTimeout: max_grpc_timeout)', () => {
    const { routes } = translate(`  - timeout: 1500ms
    route: [{destination: {host: a.example.com}}]`);
    expect([routes[0]!.route!.timeout, routes[0]!.route!.max_grpc_timeout, routes[0]!.route!.max_stream_duration]).toEqual(['1.5s', '1.5s', undefined]);
  });
});

describe('consistent hash (DestinationRule loadBalancer.consistentHash)', () => {
  const dr = (lb: string) => `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a, namespace: default}
spec:
  host: a.example.com
  trafficPolicy: {loadBalancer: {consistentHash: ${lb}}}
  subsets:
  - {name: v1, labels: {v: '1'}}
  - name: v2
    labels: {v: '2'}
    trafficPolicy: {loadBalancer: {consistentHash: {useSourceIp: true}}}
---
${serviceEntry('a', 'a.example.com', [80])}`;

  test('header hash on a single destination, and the retry policy drops previous_hosts', () => {
    const { routes } = translate(`  - route: [{destination: {host: a.example.com, subset: v1}}]`, dr('{httpHeaderName: x-user}'));
    const { retry_host_predicate: _, ...retry } = DEFAULT_RETRY;
    expect(routes[0]!.route).toEqual(action('outbound|80|v1|a.example.com', { hash_policy: [{ header: { header_name: 'x-user' } }], retry_policy: retry }));
  });

  test('cookie {name, ttl, path}, query parameter; a subset policy replaces the top-level one', () => {
    expect(translate(`  - route: [{destination: {host: a.example.com}}]`, dr('{httpCookie: {name: sticky, ttl: 60s, path: /}}')).routes[0]!.route!.hash_policy).toEqual([
      { cookie: { name: 'sticky', ttl: '60s', path: '/' } },
    ]);
    expect(translate(`  - route: [{destination: {host: a.example.com}}]`, dr('{httpQueryParameterName: u}')).routes[0]!.route!.hash_policy).toEqual([{ query_parameter: { name: 'u' } }]);
    expect(translate(`  - route: [{destination: {host: a.example.com, subset: v2}}]`, dr('{httpHeaderName: x-user}')).routes[0]!.route!.hash_policy).toEqual([
      { connection_properties: { source_ip: true } },
    ]);
  });

  test('weighted destinations: one hash policy per hashed destination, in order (route.go processWeightedDestination); previous_hosts kept', () => {
    const { routes } = translate(
      `  - route:
    - {destination: {host: a.example.com, subset: v2}, weight: 50}
    - {destination: {host: a.example.com, subset: v1}, weight: 50}
    - {destination: {host: b.example.com}, weight: 10}`,
      dr('{httpHeaderName: x-user}'),
    );
    expect(routes[0]!.route!.hash_policy).toEqual([{ connection_properties: { source_ip: true } }, { header: { header_name: 'x-user' } }]);
    expect(routes[0]!.route!.retry_policy).toEqual(DEFAULT_RETRY);
  });
});

describe('hash policies follow the DestinationRule the proxy sees (workloadSelector)', () => {
  test('a DestinationRule selecting the gateway by labels gives its routes the hash policy its cluster hashes with', async () => {
    const r = loadManifest(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
${serviceEntry('a', 'a.example.com', [80])}---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: a-at-gateway, namespace: istio-system}
spec:
  host: a.example.com
  workloadSelector: {matchLabels: {istio: ingressgateway}}
  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: a, namespace: default}
spec:
  hosts: [a.example.com]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: a.example.com}}]}]
`);
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
    const push = buildPushContext(r.resources.map((x) => x.resource), 1);
    const { snapshot } = await generateSnapshot(push, { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
    const cluster = snapshot.resources.cluster.find((c) => c.name === 'outbound|80||a.example.com')!;
    expect(cluster.lb_policy).toBe('RING_HASH');
    const route = snapshot.resources.route[0]!.virtual_hosts.flatMap((v) => v.routes)[0]!;
    expect(route.route!.hash_policy).toEqual([{ header: { header_name: 'x-user' } }]);
  });
});
