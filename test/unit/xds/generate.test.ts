import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { generateSnapshot } from '../../../src/xds/generate.ts';
import { Snapshot } from '../../../src/xds/snapshot.ts';
import { egress, ingress, push } from './snapshot-helpers.ts';

// Whole-snapshot generation for both gateway roles, from Istio manifests.

const bookinfoDir = join(import.meta.dirname, '../../../examples/bookinfo');
const read = (f: string) => readFileSync(join(bookinfoDir, f), 'utf8');

describe('ingress snapshot for bookinfo', () => {
  const ctx = push(read('services.yaml'), read('bookinfo-gateway.yaml'), read('destination-rule-all.yaml'));

  test('one listener and route table for port 80, the bookinfo routes, productpage cluster with its endpoint', async () => {
    const { snapshot } = await generateSnapshot(ctx, ingress);
    expect(Snapshot.parse(snapshot)).toEqual(snapshot);
    expect(snapshot.config_version).toBe(7);
    expect(snapshot.resources.listener.map((l) => [l.name, l.filter_chains[0]!.filters[0]!.typed_config.rds.route_config_name])).toEqual([['0.0.0.0_80', 'http.80']]);
    const [rc] = snapshot.resources.route;
    expect(rc!.virtual_hosts.map((v) => [v.name, v.domains])).toEqual([['*:80', ['*']]]);
    const routes = rc!.virtual_hosts[0]!.routes;
    expect(routes.map((r) => r.match)).toEqual([
      { path: '/productpage', case_sensitive: true },
      { prefix: '/static', case_sensitive: true },
      { path: '/login', case_sensitive: true },
      { path: '/logout', case_sensitive: true },
      { prefix: '/api/v1/products', case_sensitive: true },
    ].map((m) => expect.objectContaining(Object.fromEntries(Object.entries(m).filter(([k]) => k !== 'case_sensitive')))));
    expect(new Set(routes.map((r) => r.route?.cluster))).toEqual(new Set(['outbound|9080||productpage.default.svc.cluster.local']));
    const clusterNames = snapshot.resources.cluster.map((c) => c.name);
    expect(clusterNames).toContain('outbound|9080||productpage.default.svc.cluster.local');
    expect(clusterNames).toContain('BlackHoleCluster');
    expect(clusterNames).toContain('PassthroughCluster');
    const cla = snapshot.resources.endpoint.find((e) => e.cluster_name === 'outbound|9080||productpage.default.svc.cluster.local');
    expect(cla?.endpoints.flatMap((l) => l.lb_endpoints.map((e) => e.endpoint.address.socket_address))).toEqual([{ address: 'worker:PRODUCTPAGE_V1', port_value: 9080 }]);
  });

  test('versions are content hashes: same config, same version; a change moves only its types', async () => {
    const a = (await generateSnapshot(ctx, ingress)).snapshot;
    const b = (await generateSnapshot(push(read('services.yaml'), read('bookinfo-gateway.yaml'), read('destination-rule-all.yaml')), ingress)).snapshot;
    expect(b.version).toBe(a.version);
    const changed = read('bookinfo-gateway.yaml').replace('prefix: /static', 'prefix: /assets');
    const c = (await generateSnapshot(push(read('services.yaml'), changed, read('destination-rule-all.yaml')), ingress)).snapshot;
    expect(c.version).not.toBe(a.version);
    expect(c.type_versions.route).not.toBe(a.type_versions.route);
    expect(c.type_versions.cluster).toBe(a.type_versions.cluster);
    expect(c.type_versions.listener).toBe(a.type_versions.listener);
  });

  test('a Gateway that selects another proxy gives this one nothing; a server with no VirtualService is a 404 blackhole', async () => {
    const other = push(read('services.yaml'), read('bookinfo-gateway.yaml').replace('istio: ingressgateway', 'istio: somethingelse'));
    expect((await generateSnapshot(other, ingress)).snapshot.resources.listener).toEqual([]);
    const lonely = push(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: lonely, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 8443, name: https, protocol: HTTP}, hosts: ["*.example.com"]}]
`);
    const s = (await generateSnapshot(lonely, ingress)).snapshot;
    expect(s.resources.route).toEqual([{ name: 'http.8443', virtual_hosts: [{ name: 'blackhole:8443', domains: ['*'], routes: [] }], validate_clusters: false, ignore_port_in_host_matching: true }]);
  });

  test('an undefined subset keeps its route (503 at runtime) without failing the consistency check', async () => {
    const vs = read('bookinfo-gateway.yaml').replace('number: 9080', 'number: 9080\n        subset: v9');
    const s = (await generateSnapshot(push(read('services.yaml'), vs, read('destination-rule-all.yaml')), ingress)).snapshot;
    expect(s.resources.route[0]!.virtual_hosts[0]!.routes[0]!.route?.cluster).toBe('outbound|9080|v9|productpage.default.svc.cluster.local');
    expect(s.resources.cluster.map((c) => c.name)).not.toContain('outbound|9080|v9|productpage.default.svc.cluster.local');
  });
});

describe('egress snapshot', () => {
  const se = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.org]
  location: MESH_EXTERNAL
  resolution: DNS
  ports: [{number: 80, name: http, protocol: HTTP}]
`;
  const mesh = (mode: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: ${mode}
`;

  test('ALLOW_ANY: registry hosts route to their cluster, anything else to PassthroughCluster', async () => {
    const s = (await generateSnapshot(push(se), egress)).snapshot;
    const rc80 = s.resources.route.find((r) => r.name === '80')!;
    expect(rc80.virtual_hosts.map((v) => v.name)).toEqual(['httpbin.org:80', 'allow_any']);
    expect(rc80.virtual_hosts[0]!.routes[0]!.route?.cluster).toBe('outbound|80||httpbin.org');
    expect(rc80.virtual_hosts[1]!.routes[0]!.route?.cluster).toBe('PassthroughCluster');
    expect(new Set(s.resources.route.map((r) => r.name))).toEqual(new Set(['80', '443']));
  });

  test('a registry host with no VirtualService: the default route has the mesh retry policy and the DestinationRule hash (Istio BuildDefaultHTTPOutboundRoute)', async () => {
    const route = async (...extra: string[]) => (await generateSnapshot(push(se, ...extra), egress)).snapshot.resources.route.find((r) => r.name === '80')!.virtual_hosts[0]!.routes[0]!.route!;
    const builtIn = await route();
    expect([builtIn.retry_policy?.num_retries, builtIn.retry_policy?.retry_on, builtIn.hash_policy]).toEqual([2, 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', undefined]);
    const meshPolicy = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    defaultHttpRetryPolicy: {attempts: 4, retryOn: 5xx}
`;
    const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin, namespace: default}
spec:
  host: httpbin.org
  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: x-user}}}
`;
    const configured = await route(meshPolicy, dr);
    expect([configured.retry_policy?.num_retries, configured.retry_policy?.retry_on, configured.hash_policy]).toEqual([4, '5xx', [{ header: { header_name: 'x-user' } }]]);
  });

  test('a single-label ServiceEntry host is declared as written, not expanded to a cluster-local name (Istio)', async () => {
    const short = se.replace('name: httpbin, namespace', 'name: redis, namespace').replace('hosts: [httpbin.org]', 'hosts: [redis]');
    const s = (await generateSnapshot(push(short, mesh('REGISTRY_ONLY')), egress)).snapshot;
    const rc80 = s.resources.route.find((r) => r.name === '80')!;
    expect(rc80.virtual_hosts.map((v) => v.domains)).toEqual([['redis'], ['*']]);
    expect(rc80.virtual_hosts[0]!.routes[0]!.route?.cluster).toBe('outbound|80||redis');
  });

  test('REGISTRY_ONLY (MeshConfig or root-namespace Sidecar): anything else is block_all, a 502', async () => {
    for (const policy of [mesh('REGISTRY_ONLY'), `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default, namespace: istio-system}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`]) {
      const s = (await generateSnapshot(push(se, policy), egress)).snapshot;
      const vh = s.resources.route.find((r) => r.name === '80')!.virtual_hosts.at(-1)!;
      expect(vh).toEqual({ name: 'block_all', domains: ['*'], routes: [{ name: 'block_all', match: { prefix: '/' }, direct_response: { status: 502 } }] });
    }
  });

  test('a VirtualService for an external host applies its routes there', async () => {
    const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin, namespace: default}
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 3s
    route: [{destination: {host: httpbin.org}}]
`;
    const s = (await generateSnapshot(push(se, vs), egress)).snapshot;
    const route = s.resources.route.find((r) => r.name === '80')!.virtual_hosts[0]!.routes[0]!;
    expect(route.route?.timeout).toBe('3s');
    expect(route.route?.cluster).toBe('outbound|80||httpbin.org');
  });
});

describe('every valid corpus manifest translates into a schema-valid, consistent snapshot', () => {
  const dir = join(import.meta.dirname, '../../corpus/valid');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));
  test.each(files)('%s', async (f) => {
    const ctx = push(readFileSync(join(dir, f), 'utf8'));
    for (const node of [ingress, egress]) {
      const { snapshot } = await generateSnapshot(ctx, node);
      expect(Snapshot.safeParse(snapshot).success).toBe(true);
    }
  });
});
