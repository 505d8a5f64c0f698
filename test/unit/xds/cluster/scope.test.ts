import { describe, expect, test } from 'vitest';
import { build, DEFAULT_THRESHOLDS, egress, ref } from './helpers.ts';

// Which clusters a gateway gets: the routes' references, everything visible for the egress
// gateway, the two catch-all clusters; names a route uses that the config lacks go in `missing`.

const YAML = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: public, namespace: shop}
spec:
  hosts: [public.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: private, namespace: shop}
spec:
  hosts: [private.example.com]
  exportTo: ["."]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: for-gateways, namespace: shop}
spec:
  hosts: [gw-only.example.com]
  exportTo: [istio-system]
  ports:
  - {number: 8080, name: http, protocol: HTTP}
  resolution: STATIC
  endpoints:
  - {address: worker:GW_ONLY, labels: {track: stable}}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: gw-only, namespace: shop}
spec:
  host: gw-only.example.com
  subsets:
  - {name: stable, labels: {track: stable}}
  - {name: canary, labels: {track: canary}}
`;

describe('route references', () => {
  const b = build(YAML, [
    ref('public.example.com', 80),
    ref('unknown.example.com', 80),
    ref('public.example.com', 80, 'v1'),
    ref('public.example.com', 8080),
    ref('private.example.com', 80),
    ref('gw-only.example.com', 8080, 'canary'),
  ]);

  test('only referenced, defined clusters are generated, plus BlackHole and Passthrough, sorted by name', () => {
    expect(b.clusters.map((c) => c.name)).toEqual(['BlackHoleCluster', 'PassthroughCluster', 'outbound|8080|canary|gw-only.example.com', 'outbound|80||public.example.com']);
    expect(b.endpoints.map((e) => e.cluster_name)).toEqual(['outbound|8080|canary|gw-only.example.com']);
  });

  test('unknown host, undefined subset, a port the service lacks and a host not exported here are missing', () => {
    expect([...b.missing].sort()).toEqual(['outbound|8080||public.example.com', 'outbound|80|v1|public.example.com', 'outbound|80||private.example.com', 'outbound|80||unknown.example.com']);
  });

  test('catch-all clusters as Istio builds them', () => {
    expect(b.clusters[0]).toEqual({ name: 'BlackHoleCluster', type: 'STATIC', connect_timeout: '10s', lb_policy: 'ROUND_ROBIN' });
    expect(b.clusters[1]).toEqual({ name: 'PassthroughCluster', type: 'ORIGINAL_DST', connect_timeout: '10s', lb_policy: 'CLUSTER_PROVIDED', circuit_breakers: DEFAULT_THRESHOLDS });
  });
});

describe('allServices (egress gateway)', () => {
  test('every visible service on every port, plus every subset of its DestinationRule; exportTo respected', () => {
    const b = build(YAML, [], { allServices: true, node: egress });
    expect(b.clusters.map((c) => c.name)).toEqual([
      'BlackHoleCluster',
      'PassthroughCluster',
      'outbound|443||public.example.com',
      'outbound|8080|canary|gw-only.example.com',
      'outbound|8080|stable|gw-only.example.com',
      'outbound|8080||gw-only.example.com',
      'outbound|80||public.example.com',
    ]);
    expect(b.missing.size).toBe(0);
    expect(b.endpoints.find((e) => e.cluster_name === 'outbound|8080|canary|gw-only.example.com')?.endpoints).toEqual([]);
  });

  test('a proxy in the service namespace sees its namespace-private services', () => {
    const node = { ...egress, namespace: 'shop' };
    const names = build(YAML, [], { allServices: true, node }).clusters.map((c) => c.name);
    expect(names).toContain('outbound|80||private.example.com');
    expect(names).not.toContain('outbound|8080||gw-only.example.com');
  });

  test('allServices off: nothing but the references', () => {
    expect(build(YAML, []).clusters.map((c) => c.name)).toEqual(['BlackHoleCluster', 'PassthroughCluster']);
  });
});
