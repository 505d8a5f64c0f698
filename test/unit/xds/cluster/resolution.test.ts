import { describe, expect, test } from 'vitest';
import { build, cla, cluster, DEFAULT_THRESHOLDS, ref } from './helpers.ts';

// ServiceEntry resolution → Envoy discovery type, endpoints and load assignments
// (Istio cluster.go convertResolution, cluster_builder.go buildCluster, EndpointBuilder).

const STATIC = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  ports:
  - {number: 9080, name: http, protocol: HTTP, targetPort: 8080}
  resolution: STATIC
  endpoints:
  - address: worker:REVIEWS_V1
    labels: {app: reviews, version: v1}
  - address: worker:REVIEWS_V2
    labels: {app: reviews, version: v2}
    weight: 3
    locality: us-east/zone1/rack7
  - address: 10.1.2.3
    ports: {http: 9999}
    labels: {app: reviews, version: v3}
`;
const HOST = 'reviews.bookinfo.svc.cluster.local';

describe('STATIC ⇒ EDS', () => {
  test('default cluster: exact Envoy Cluster and ClusterLoadAssignment', () => {
    const b = build(STATIC, [ref(HOST, 9080)]);
    const name = `outbound|9080||${HOST}`;
    expect(cluster(b, name)).toEqual({
      name,
      type: 'EDS',
      eds_cluster_config: { service_name: name },
      connect_timeout: '10s',
      lb_policy: 'LEAST_REQUEST',
      circuit_breakers: DEFAULT_THRESHOLDS,
      common_lb_config: {},
      metadata: {
        filter_metadata: {
          istio: { services: [{ host: HOST, name: HOST, namespace: 'bookinfo' }], default_original_port: 9080 },
          meshgate: { upstream_scheme: 'http' },
        },
      },
    });
    expect(cla(b, name)).toEqual({
      cluster_name: name,
      endpoints: [
        {
          locality: {},
          lb_endpoints: [
            // No endpoint port for `http` ⇒ the service port's targetPort.
            { endpoint: { address: { socket_address: { address: 'worker:REVIEWS_V1', port_value: 8080 } } }, health_status: 'HEALTHY', load_balancing_weight: 1, metadata: { filter_metadata: { 'envoy.lb': { app: 'reviews', version: 'v1' } } } },
            // The endpoint's own port for `http` wins over targetPort.
            { endpoint: { address: { socket_address: { address: '10.1.2.3', port_value: 9999 } } }, health_status: 'HEALTHY', load_balancing_weight: 1, metadata: { filter_metadata: { 'envoy.lb': { app: 'reviews', version: 'v3' } } } },
          ],
          load_balancing_weight: 2,
        },
        {
          locality: { region: 'us-east', zone: 'zone1', sub_zone: 'rack7' },
          lb_endpoints: [
            { endpoint: { address: { socket_address: { address: 'worker:REVIEWS_V2', port_value: 8080 } } }, health_status: 'HEALTHY', load_balancing_weight: 3, metadata: { filter_metadata: { 'envoy.lb': { app: 'reviews', version: 'v2' } } } },
          ],
          load_balancing_weight: 3,
        },
      ],
    });
    expect(b.missing.size).toBe(0);
  });

  test('subset cluster keeps only the endpoints carrying the subset labels', () => {
    const dr = `${STATIC}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets:
  - {name: v2, labels: {version: v2}}
  - {name: v9, labels: {version: v9}}
`;
    const b = build(dr, [ref(HOST, 9080, 'v2'), ref(HOST, 9080, 'v9')]);
    const v2 = `outbound|9080|v2|${HOST}`;
    expect(cluster(b, v2).metadata?.filter_metadata.istio).toEqual({
      services: [{ host: HOST, name: HOST, namespace: 'bookinfo' }],
      default_original_port: 9080,
      config: '/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/reviews',
      subset: 'v2',
    });
    expect(cla(b, v2).endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address.address))).toEqual(['worker:REVIEWS_V2']);
    // A defined subset no endpoint matches: the cluster exists with no endpoints (503 UH).
    const v9 = `outbound|9080|v9|${HOST}`;
    expect(cluster(b, v9).type).toBe('EDS');
    expect(cla(b, v9)).toEqual({ cluster_name: v9, endpoints: [] });
    expect(b.missing.size).toBe(0);
  });
});

describe('WorkloadEntries selected by workloadSelector', () => {
  const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: details, namespace: bookinfo}
spec:
  hosts: [details.bookinfo.com]
  location: MESH_INTERNAL
  ports:
  - {number: 80, name: http, protocol: HTTP, targetPort: 8080}
  resolution: STATIC
  workloadSelector:
    labels: {app: details}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm1, namespace: bookinfo}
spec:
  address: 2.2.2.2
  labels: {app: details, version: v1}
  ports: {http: 7070}
  weight: 10
  locality: eu-west
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm2, namespace: bookinfo}
spec:
  address: worker:DETAILS
  labels: {app: details, version: v2, istio-locality: us-east1.zone-a}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other-app, namespace: bookinfo}
spec:
  address: 9.9.9.9
  labels: {app: ratings}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: other-namespace, namespace: shop}
spec:
  address: 8.8.8.8
  labels: {app: details}
`;
  test('only same-namespace entries with the selector labels are endpoints', () => {
    const b = build(yaml, [ref('details.bookinfo.com', 80)]);
    expect(cla(b, 'outbound|80||details.bookinfo.com').endpoints).toEqual([
      {
        locality: { region: 'eu-west' },
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: '2.2.2.2', port_value: 7070 } } }, health_status: 'HEALTHY', load_balancing_weight: 10, metadata: { filter_metadata: { 'envoy.lb': { app: 'details', version: 'v1' } } } }],
        load_balancing_weight: 10,
      },
      {
        // No `locality`: the istio-locality label, dots read as slashes (Istio GetLocalityLabel).
        locality: { region: 'us-east1', zone: 'zone-a' },
        lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'worker:DETAILS', port_value: 8080 } } }, health_status: 'HEALTHY', load_balancing_weight: 1, metadata: { filter_metadata: { 'envoy.lb': { app: 'details', version: 'v2', 'istio-locality': 'us-east1.zone-a' } } } }],
        load_balancing_weight: 1,
      },
    ]);
  });
});

describe('DNS ⇒ STRICT_DNS / LOGICAL_DNS with an inline load_assignment', () => {
  test('DNS with endpoints: host names and ports, no EDS resource', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: foo, namespace: default}
spec:
  hosts: [foo.bar.com]
  location: MESH_EXTERNAL
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
  endpoints:
  - address: us.foo.bar.com
    ports: {http: 8080}
  - address: uk.foo.bar.com
`;
    const b = build(yaml, [ref('foo.bar.com', 80)]);
    const name = 'outbound|80||foo.bar.com';
    expect(cluster(b, name)).toEqual({
      name,
      type: 'STRICT_DNS',
      connect_timeout: '10s',
      lb_policy: 'LEAST_REQUEST',
      circuit_breakers: DEFAULT_THRESHOLDS,
      common_lb_config: {},
      dns_lookup_family: 'V4_ONLY',
      load_assignment: {
        cluster_name: name,
        endpoints: [
          {
            locality: {},
            lb_endpoints: [
              { endpoint: { address: { socket_address: { address: 'us.foo.bar.com', port_value: 8080 } } }, health_status: 'HEALTHY', load_balancing_weight: 1 },
              { endpoint: { address: { socket_address: { address: 'uk.foo.bar.com', port_value: 80 } } }, health_status: 'HEALTHY', load_balancing_weight: 1 },
            ],
            load_balancing_weight: 2,
          },
        ],
      },
      metadata: {
        filter_metadata: {
          istio: { services: [{ host: 'foo.bar.com', name: 'foo.bar.com', namespace: 'default' }], default_original_port: 80, external: true },
          meshgate: { upstream_scheme: 'http' },
        },
      },
    });
    expect(b.endpoints).toEqual([]);
  });

  test('DNS without endpoints resolves the host itself; an HTTPS port is reached over https', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.org]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
`;
    const c = cluster(build(yaml, [ref('httpbin.org', 443)]), 'outbound|443||httpbin.org');
    expect(c.type).toBe('STRICT_DNS');
    expect(c.load_assignment).toEqual({
      cluster_name: 'outbound|443||httpbin.org',
      endpoints: [{ locality: {}, lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'httpbin.org', port_value: 443 } } }, health_status: 'HEALTHY', load_balancing_weight: 1 }], load_balancing_weight: 1 }],
    });
    expect(c.metadata?.filter_metadata.meshgate).toEqual({ upstream_scheme: 'https' });
  });

  test('DNS_ROUND_ROBIN ⇒ LOGICAL_DNS with one host', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP, targetPort: 8000}
  resolution: DNS_ROUND_ROBIN
  endpoints:
  - address: lb.example.com
`;
    const c = cluster(build(yaml, [ref('api.example.com', 80)]), 'outbound|80||api.example.com');
    expect(c.type).toBe('LOGICAL_DNS');
    expect(c.load_assignment?.endpoints).toEqual([{ locality: {}, lb_endpoints: [{ endpoint: { address: { socket_address: { address: 'lb.example.com', port_value: 8000 } } }, health_status: 'HEALTHY', load_balancing_weight: 1 }], load_balancing_weight: 1 }]);
  });

  test('a DNS subset no endpoint matches is not generated (Istio builds no endpoint-less DNS cluster): missing', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: foo, namespace: default}
spec:
  hosts: [foo.bar.com]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DNS
  endpoints:
  - address: us.foo.bar.com
    labels: {region: us}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: foo, namespace: default}
spec:
  host: foo.bar.com
  subsets:
  - {name: us, labels: {region: us}}
  - {name: eu, labels: {region: eu}}
`;
    const b = build(yaml, [ref('foo.bar.com', 80, 'us'), ref('foo.bar.com', 80, 'eu')]);
    expect(cluster(b, 'outbound|80|us|foo.bar.com').load_assignment?.endpoints[0]?.lb_endpoints.map((e) => e.endpoint.address.socket_address.address)).toEqual(['us.foo.bar.com']);
    expect(b.clusters.map((c) => c.name)).not.toContain('outbound|80|eu|foo.bar.com');
    expect([...b.missing]).toEqual(['outbound|80|eu|foo.bar.com']);
  });
});

describe('NONE and DYNAMIC_DNS ⇒ ORIGINAL_DST', () => {
  test('NONE without endpoints passes through to the requested host; TLS port ⇒ https', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wikipedia, namespace: default}
spec:
  hosts: ["*.wikipedia.org"]
  ports:
  - {number: 443, name: tls, protocol: TLS}
  resolution: NONE
`;
    const b = build(yaml, [ref('*.wikipedia.org', 443)]);
    const name = 'outbound|443||*.wikipedia.org';
    expect(cluster(b, name)).toEqual({
      name,
      type: 'ORIGINAL_DST',
      connect_timeout: '10s',
      lb_policy: 'CLUSTER_PROVIDED',
      circuit_breakers: DEFAULT_THRESHOLDS,
      common_lb_config: {},
      metadata: {
        filter_metadata: {
          istio: { services: [{ host: '*.wikipedia.org', name: '*.wikipedia.org', namespace: 'default' }], default_original_port: 443, external: true },
          meshgate: { upstream_scheme: 'https' },
        },
      },
    });
    expect(b.endpoints).toEqual([]);
  });

  test('NONE with targetPort ⇒ original_dst_lb_config.upstream_port_override (Istio PassthroughTargetPorts)', () => {
    const se = (targetPort: string) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.org]
  ports:
  - {number: 80, name: http, protocol: HTTP${targetPort}}
  resolution: NONE
`;
    const name = 'outbound|80||httpbin.org';
    expect(cluster(build(se(', targetPort: 443'), [ref('httpbin.org', 80)]), name).original_dst_lb_config).toEqual({ upstream_port_override: 443 });
    expect(cluster(build(se(''), [ref('httpbin.org', 80)]), name).original_dst_lb_config).toBeUndefined();
  });

  test('DYNAMIC_DNS', () => {
    const yaml = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: dyn, namespace: default}
spec:
  hosts: ["*.api.example.com"]
  ports:
  - {number: 80, name: http, protocol: HTTP}
  resolution: DYNAMIC_DNS
`;
    const c = cluster(build(yaml, [ref('*.api.example.com', 80)]), 'outbound|80||*.api.example.com');
    expect([c.type, c.lb_policy, c.load_assignment, c.eds_cluster_config]).toEqual(['ORIGINAL_DST', 'CLUSTER_PROVIDED', undefined, undefined]);
  });

  test('loadBalancer PASSTHROUGH turns a STATIC service into ORIGINAL_DST with no endpoints', () => {
    const yaml = `${STATIC}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  trafficPolicy:
    loadBalancer: {simple: PASSTHROUGH}
`;
    const b = build(yaml, [ref(HOST, 9080)]);
    const c = cluster(b, `outbound|9080||${HOST}`);
    expect([c.type, c.lb_policy, c.eds_cluster_config]).toEqual(['ORIGINAL_DST', 'CLUSTER_PROVIDED', undefined]);
    expect(b.endpoints).toEqual([]);
  });
});
