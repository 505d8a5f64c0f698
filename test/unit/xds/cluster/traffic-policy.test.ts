import { describe, expect, test } from 'vitest';
import { build, cluster, DEFAULT_THRESHOLDS, ingress, ref } from './helpers.ts';

// DestinationRule traffic policies on clusters (Istio cluster_traffic_policy.go) and their
// precedence: subset port-level > subset > DR port-level > DR top-level > defaults, whole
// objects replaced (reference §3.4).

const SE = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: bookinfo}
spec:
  hosts: [ratings.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  ports:
  - {number: 9080, name: http, protocol: HTTP}
  - {number: 9443, name: http-alt, protocol: HTTP}
  resolution: STATIC
  endpoints:
  - {address: 10.0.0.1, labels: {version: v1}}
  - {address: 10.0.0.2, labels: {version: v2}}
`;
const HOST = 'ratings.bookinfo.svc.cluster.local';
const name = (port: number, subset = '') => `outbound|${port}|${subset}|${HOST}`;
const withDr = (spec: string) => `${SE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings, namespace: bookinfo}
spec:
  host: ratings
${spec}`;

describe('precedence', () => {
  const yaml = withDr(`
  trafficPolicy:
    loadBalancer: {simple: RANDOM}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 250ms}
    portLevelSettings:
    - port: {number: 9443}
      connectionPool:
        http: {http1MaxPendingRequests: 7}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      loadBalancer: {simple: ROUND_ROBIN}
  - name: v2
    labels: {version: v2}
    trafficPolicy:
      connectionPool:
        tcp: {maxConnections: 5}
      portLevelSettings:
      - port: {number: 9443}
        outlierDetection: {consecutive5xxErrors: 2}
`);
  const b = build(yaml, [ref(HOST, 9080), ref(HOST, 9443), ref(HOST, 9080, 'v1'), ref(HOST, 9080, 'v2'), ref(HOST, 9443, 'v2')]);

  test('DR top-level policy applies to a port without port-level settings', () => {
    const c = cluster(b, name(9080));
    expect(c.lb_policy).toBe('RANDOM');
    expect(c.connect_timeout).toBe('0.25s');
    expect(c.circuit_breakers).toEqual({ thresholds: [{ ...DEFAULT_THRESHOLDS.thresholds[0], max_connections: 100 }] });
  });

  test('a DR port-level entry replaces loadBalancer/connectionPool wholesale (omitted ⇒ defaults, not inherited)', () => {
    const c = cluster(b, name(9443));
    expect(c.lb_policy).toBe('LEAST_REQUEST');
    expect(c.connect_timeout).toBe('10s');
    expect(c.circuit_breakers).toEqual({ thresholds: [{ ...DEFAULT_THRESHOLDS.thresholds[0], max_pending_requests: 7 }] });
  });

  test('a subset policy replaces only the objects it sets', () => {
    const v1 = cluster(b, name(9080, 'v1'));
    expect(v1.lb_policy).toBe('ROUND_ROBIN');
    expect(v1.connect_timeout).toBe('0.25s');
    expect(v1.circuit_breakers?.thresholds[0]?.max_connections).toBe(100);
    const v2 = cluster(b, name(9080, 'v2'));
    expect(v2.lb_policy).toBe('RANDOM');
    expect(v2.connect_timeout).toBe('10s');
    expect(v2.circuit_breakers?.thresholds[0]?.max_connections).toBe(5);
    expect(v2.outlier_detection).toBeUndefined();
  });

  test('a subset port-level entry replaces all four objects for that port', () => {
    const c = cluster(b, name(9443, 'v2'));
    expect(c.lb_policy).toBe('LEAST_REQUEST');
    expect(c.circuit_breakers).toEqual(DEFAULT_THRESHOLDS);
    expect(c.outlier_detection).toEqual({ enforcing_success_rate: 0, consecutive_5xx: 2, enforcing_consecutive_5xx: 100 });
    expect(c.common_lb_config).toEqual({ healthy_panic_threshold: { value: 0 } });
  });

  test("the gateways' namespace is the root namespace: only its private rules (exportTo \".\") beat the service namespace's; public ones there are mesh-wide fallbacks (Istio destinationRule)", () => {
    const rootDr = (exportTo: string) => `${yaml}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ratings-gw, namespace: istio-system}
spec:
  host: ratings.bookinfo.svc.cluster.local
${exportTo}  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
`;
    const pub = build(rootDr(''), [ref(HOST, 9080), ref(HOST, 9080, 'v1')]);
    expect(cluster(pub, name(9080)).metadata?.filter_metadata.istio?.config).toBe('/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/ratings');
    expect([...pub.missing]).toEqual([]);
    const priv = build(rootDr('  exportTo: ["."]\n'), [ref(HOST, 9080), ref(HOST, 9080, 'v1')]);
    expect(cluster(priv, name(9080)).lb_policy).toBe('ROUND_ROBIN');
    expect(cluster(priv, name(9080)).metadata?.filter_metadata.istio?.config).toBe('/apis/networking.istio.io/v1/namespaces/istio-system/destination-rule/ratings-gw');
    // The chosen rule defines no subsets: v1 is undefined for this proxy.
    expect([...priv.missing]).toEqual([name(9080, 'v1')]);
  });

  test('the most specific host wins before a workloadSelector does (Istio MostSpecificHostMatch, then the selector among that host\'s rules)', () => {
    const dr = (name: string, host: string, lb: string, selector = '') => `---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: istio-system}
spec:
  host: "${host}"
${selector}  exportTo: ["."]
  trafficPolicy:
    loadBalancer: {simple: ${lb}}
`;
    const sel = '  workloadSelector: {matchLabels: {istio: ingressgateway}}\n';
    const node = { ...ingress, labels: { istio: 'ingressgateway' } };
    const exactPlain = build(`${SE}\n${dr('wild-sel', '*.svc.cluster.local', 'RANDOM', sel)}${dr('exact', HOST, 'ROUND_ROBIN')}`, [ref(HOST, 9080)], { node });
    expect(cluster(exactPlain, name(9080)).lb_policy).toBe('ROUND_ROBIN');
    const sameHost = build(`${SE}\n${dr('plain', HOST, 'ROUND_ROBIN')}${dr('sel', HOST, 'RANDOM', sel)}`, [ref(HOST, 9080)], { node });
    expect(cluster(sameHost, name(9080)).lb_policy).toBe('RANDOM');
    // A rule selecting the other gateway is skipped before the host is chosen (a stated difference
    // from Istio, where it would leave the ingress gateway with no rule at all).
    const egressSel = '  workloadSelector: {matchLabels: {istio: egressgateway}}\n';
    const otherGateway = build(`${SE}\n${dr('wild', '*.svc.cluster.local', 'ROUND_ROBIN')}${dr('egress-only', HOST, 'RANDOM', egressSel)}`, [ref(HOST, 9080)], { node });
    expect(cluster(otherGateway, name(9080)).lb_policy).toBe('ROUND_ROBIN');
  });

  test('a mesh-wide `*.local` rule in the root namespace does not hide a service\'s own rule', () => {
    const wild = build(`${yaml}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: mesh-default, namespace: istio-system}
spec:
  host: "*.local"
  trafficPolicy:
    loadBalancer: {simple: ROUND_ROBIN}
`, [ref(HOST, 9080), ref(HOST, 9080, 'v1')]);
    expect(cluster(wild, name(9080)).metadata?.filter_metadata.istio?.config).toBe('/apis/networking.istio.io/v1/namespaces/bookinfo/destination-rule/ratings');
    expect([...wild.missing]).toEqual([]);
  });
});

describe('load balancer', () => {
  const lb = (policy: string) => cluster(build(withDr(`  trafficPolicy:\n    loadBalancer:\n${policy}`), [ref(HOST, 9080)]), name(9080));
  test.each([
    ['      simple: UNSPECIFIED', { lb_policy: 'LEAST_REQUEST' }],
    ['      simple: LEAST_CONN', { lb_policy: 'LEAST_REQUEST' }],
    ['      simple: LEAST_REQUEST', { lb_policy: 'LEAST_REQUEST' }],
    ['      simple: ROUND_ROBIN', { lb_policy: 'ROUND_ROBIN' }],
    ['      simple: RANDOM', { lb_policy: 'RANDOM' }],
    ['      consistentHash: {httpHeaderName: x-user}', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 1024 } }],
    ['      consistentHash: {useSourceIp: true, minimumRingSize: 2048}', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 2048 } }],
    ['      consistentHash: {httpHeaderName: x-user, ringHash: {minimumRingSize: 4096}}', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 4096 } }],
    ['      consistentHash: {httpHeaderName: x-user, ringHash: {}}', { lb_policy: 'RING_HASH' }],
    ['      consistentHash: {httpCookie: {name: user, ttl: 0s}, maglev: {tableSize: 65537}}', { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 65537 } }],
  ])('%s', (policy, expected) => {
    const c = lb(policy);
    expect({ lb_policy: c.lb_policy, ring_hash_lb_config: c.ring_hash_lb_config, maglev_lb_config: c.maglev_lb_config }).toEqual({ ring_hash_lb_config: undefined, maglev_lb_config: undefined, ...expected });
  });
});

describe('connection pool and outlier detection', () => {
  test('retryBudget becomes thresholds.retry_budget, with Envoy defaults (20%, 3) for unset fields', () => {
    const thresholdsOf = (budget: string) => cluster(build(withDr(`
  trafficPolicy:
    retryBudget: ${budget}
`), [ref(HOST, 9080)]), name(9080)).circuit_breakers!.thresholds[0]!;
    expect(thresholdsOf('{percent: 5, minRetryConcurrency: 1}').retry_budget).toEqual({ budget_percent: { value: 5 }, min_retry_concurrency: 1 });
    expect(thresholdsOf('{budgetInterval: 10s}').retry_budget).toEqual({ budget_percent: { value: 20 }, min_retry_concurrency: 3 });
  });

  test('every threshold, the connect timeout, and all outlier fields', () => {
    const c = cluster(
      build(
        withDr(`
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1, connectTimeout: 1.5s}
      http: {http1MaxPendingRequests: 2, http2MaxRequests: 3, maxRetries: 4}
    outlierDetection:
      consecutive5xxErrors: 7
      consecutiveGatewayErrors: 3
      interval: 5m
      baseEjectionTime: 15m
      maxEjectionPercent: 50
      minHealthPercent: 30
      splitExternalLocalOriginErrors: true
      consecutiveLocalOriginFailures: 4
`),
        [ref(HOST, 9080)],
      ),
      name(9080),
    );
    expect(c.connect_timeout).toBe('1.5s');
    expect(c.circuit_breakers).toEqual({ thresholds: [{ max_connections: 1, max_pending_requests: 2, max_requests: 3, max_retries: 4, track_remaining: true }] });
    expect(c.outlier_detection).toEqual({
      consecutive_5xx: 7,
      enforcing_consecutive_5xx: 100,
      consecutive_gateway_failure: 3,
      enforcing_consecutive_gateway_failure: 100,
      interval: '300s',
      base_ejection_time: '900s',
      max_ejection_percent: 50,
      enforcing_success_rate: 0,
      split_external_local_origin_errors: true,
      consecutive_local_origin_failure: 4,
      enforcing_consecutive_local_origin_failure: 100,
      enforcing_local_origin_success_rate: 0,
    });
    expect(c.common_lb_config).toEqual({ healthy_panic_threshold: { value: 30 } });
  });

  test('consecutive5xxErrors 0 disables that detector; error codes are carried for the data plane', () => {
    const c = cluster(
      build(
        withDr(`
  trafficPolicy:
    outlierDetection:
      consecutive5xxErrors: 0
      outlierDetectionHttpErrorCodes: [500, 503, 429]
`),
        [ref(HOST, 9080)],
      ),
      name(9080),
    );
    expect(c.outlier_detection).toEqual({ consecutive_5xx: 0, enforcing_consecutive_5xx: 0, enforcing_success_rate: 0, 'meshgate.error_status_codes': [500, 503, 429] });
    expect(c.common_lb_config).toEqual({ healthy_panic_threshold: { value: 0 } });
  });

  test('no outlierDetection ⇒ no outlier_detection and Envoy’s default panic threshold', () => {
    const c = cluster(build(SE, [ref(HOST, 9080)]), name(9080));
    expect(c.outlier_detection).toBeUndefined();
    expect(c.common_lb_config).toEqual({});
  });
});
