import { describe, expect, test } from 'vitest';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import { compileClusters, UpstreamState } from '../../../../src/gateway/upstream/index.ts';
import type { Cluster } from '../../../../src/xds/resources/cluster.ts';
import type { ClusterLoadAssignment } from '../../../../src/xds/resources/endpoint.ts';
import { cla, eds, ips } from './helpers.ts';

const compile = (clusters: Cluster[], assignments: ClusterLoadAssignment[] = []) => compileClusters(clusters, assignments, new UpstreamState(), testRuntime());

describe('compiled fields', () => {
  test('kind, scheme, tls, timeout', () => {
    const tls = { mode: 'SIMPLE' as const, sni: 'api.example.com' };
    const out = compile([
      eds('a', { metadata: { filter_metadata: { meshgate: { upstream_scheme: 'http' } } } }),
      { name: 'b', type: 'STRICT_DNS', load_assignment: cla('b', [{ eps: [{ ip: 'api.example.com', port: 443 }] }]), transport_socket: { name: 'envoy.transport_sockets.tls', typed_config: { '@type': 'x' }, 'meshgate.tls': tls } },
      { name: 'c', type: 'STATIC', connect_timeout: '0.250s' },
      { name: 'd', type: 'LOGICAL_DNS', load_assignment: cla('d', [{ eps: [{ ip: 'x.example' }] }]) },
    ]);
    expect(out.get('a')).toMatchObject({ kind: 'eds', scheme: 'http', tls: undefined, connectTimeoutMs: 10_000 });
    expect(out.get('b')).toMatchObject({ kind: 'dns', scheme: 'https', tls, connectTimeoutMs: 5_000 });
    expect(out.get('b')!.pick({})).toMatchObject({ address: 'api.example.com', port: 443, hostname: 'api.example.com' });
    expect(out.get('c')).toMatchObject({ kind: 'static', connectTimeoutMs: 250 });
    expect(out.get('c')!.pick({})).toBe('no-healthy-upstream');
    expect(out.get('d')!.kind).toBe('dns');
  });

  test('EDS assignment found by eds_cluster_config.service_name', () => {
    const c = compile([eds('outbound|80||x', { eds_cluster_config: { service_name: 'svc-x' } })], [cla('svc-x', [{ eps: ips(1) }])]).get('outbound|80||x')!;
    expect(c.pick({})).toMatchObject({ address: '10.0.0.1' });
  });
});

describe('compile errors name the cluster', () => {
  const cases: Array<[string, Cluster[], ClusterLoadAssignment[], RegExp]> = [
    ['duplicate cluster', [eds('x'), eds('x')], [], /"x".*duplicate/],
    ['duplicate assignment', [eds('x')], [cla('x', []), cla('x', [])], /"x".*more than one/],
    ['ORIGINAL_DST with ROUND_ROBIN', [{ name: 'x', type: 'ORIGINAL_DST', lb_policy: 'ROUND_ROBIN' }], [], /"x".*CLUSTER_PROVIDED/],
    ['CLUSTER_PROVIDED on EDS', [eds('x', { lb_policy: 'CLUSTER_PROVIDED' })], [], /"x".*CLUSTER_PROVIDED/],
    ['LOGICAL_DNS with two hosts', [{ name: 'x', type: 'LOGICAL_DNS', load_assignment: cla('x', [{ eps: ips(2) }]) }], [], /"x".*LOGICAL_DNS/],
    ['maglev table not prime', [eds('x', { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 1000 } })], [], /"x".*prime/],
    ['ring min > max', [eds('x', { lb_policy: 'RING_HASH', ring_hash_lb_config: { minimum_ring_size: 2048, maximum_ring_size: 1024 } })], [], /"x".*maximum_ring_size/],
    ['panic threshold > 100', [eds('x', { common_lb_config: { healthy_panic_threshold: { value: 150 } } })], [], /"x".*healthy_panic_threshold/],
    ['bad scheme', [eds('x', { metadata: { filter_metadata: { meshgate: { upstream_scheme: 'gopher' } } } })], [], /"x".*upstream_scheme/],
    ['empty worker binding', [eds('x')], [cla('x', [{ eps: [{ ip: 'worker:' }] }])], /"x".*binding/],
    ['empty address', [eds('x')], [cla('x', [{ eps: [{ ip: '' }] }])], /"x".*empty address/],
  ];
  test.each(cases)('%s', (_name, clusters, assignments, message) => {
    expect(() => compile(clusters, assignments)).toThrow(message);
  });

  test('maglev table of a valid prime compiles', () => {
    const c = compile([eds('x', { lb_policy: 'MAGLEV', maglev_lb_config: { table_size: 251 } })], [cla('x', [{ eps: ips(3) }])]).get('x')!;
    const picked = c.pick({ hash: 'k' });
    expect(picked === 'no-healthy-upstream' ? picked : picked.address).toMatch(/^10\.0\.0\.[123]$/);
    // Maglev is consistent: the same key lands on the same endpoint.
    expect(c.pick({ hash: 'k' })).toBe(picked);
  });
});
