import { describe, expect, test } from 'vitest';
import { compileClusters, type CompiledCluster, type PickContext, UpstreamState } from '../../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import type { Cluster } from '../../../../src/xds/resources/cluster.ts';
import type { ClusterLoadAssignment } from '../../../../src/xds/resources/endpoint.ts';
import { cla, count, eds, type Ep, ips } from './helpers.ts';

function one(cluster: Cluster, assignment: ClusterLoadAssignment, rt = testRuntime(7), state = new UpstreamState()): CompiledCluster {
  return compileClusters([cluster], [assignment], state, rt).get(cluster.name)!;
}
const addr = (c: CompiledCluster, ctx: PickContext = {}) => {
  const r = c.pick(ctx);
  return r === 'no-healthy-upstream' ? r : r.address;
};
const picks = (c: CompiledCluster, n: number, ctx: (i: number) => PickContext = () => ({})) => Array.from({ length: n }, (_, i) => addr(c, ctx(i)));

describe('ROUND_ROBIN', () => {
  test('weighted round robin gives an exact earliest-deadline-first sequence', () => {
    const c = one(eds('c', { lb_policy: 'ROUND_ROBIN' }), cla('c', [{ eps: [{ ip: 'a', weight: 1 }, { ip: 'b', weight: 2 }, { ip: 'c', weight: 3 }] }]));
    expect(picks(c, 12)).toEqual(['c', 'b', 'c', 'a', 'b', 'c', 'c', 'b', 'c', 'a', 'b', 'c']);
  });

  test('equal weights rotate in order', () => {
    const c = one(eds('c', { lb_policy: 'ROUND_ROBIN' }), cla('c', [{ eps: ips(3) }]));
    expect(picks(c, 6)).toEqual(['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.1', '10.0.0.2', '10.0.0.3']);
  });

  test('the rotation starts at a random place (Envoy seeds it), so isolates do not all begin with the first endpoint', () => {
    const starts = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      const seq = picks(one(eds('c', { lb_policy: 'ROUND_ROBIN' }), cla('c', [{ eps: ips(3) }]), testRuntime(seed)), 6);
      const i = ['10.0.0.1', '10.0.0.2', '10.0.0.3'].indexOf(seq[0]!);
      expect(seq).toEqual([0, 1, 2, 3, 4, 5].map((k) => `10.0.0.${((i + k) % 3) + 1}`));
      starts.add(seq[0]!);
    }
    expect(starts.size).toBe(3);
  });

  test('several weighted localities share by locality weight, then endpoint weight', () => {
    const assignment = cla('c', [
      { zone: 'z1', weight: 3, eps: [{ ip: 'a' }] },
      { zone: 'z2', weight: 1, eps: [{ ip: 'b' }, { ip: 'c' }] },
    ]);
    const c = one(eds('c', { lb_policy: 'ROUND_ROBIN' }), assignment);
    const n = count(picks(c, 400));
    expect(n.get('a')).toBe(300);
    expect(n.get('b')).toBe(50);
    expect(n.get('c')).toBe(50);
  });

  test('a single locality ignores its weight; unweighted localities are flat', () => {
    const c = one(eds('c', { lb_policy: 'ROUND_ROBIN' }), cla('c', [{ zone: 'z1', eps: [{ ip: 'a' }] }, { zone: 'z2', eps: [{ ip: 'b' }, { ip: 'c' }] }]));
    const n = count(picks(c, 300));
    expect([n.get('a'), n.get('b'), n.get('c')]).toEqual([100, 100, 100]);
  });

  test('unhealthy / draining endpoints are skipped; lower priority levels serve first', () => {
    const c = one(
      eds('c', { lb_policy: 'ROUND_ROBIN' }),
      cla('c', [
        { eps: [{ ip: 'a', health: 'UNHEALTHY' }, { ip: 'b' }, { ip: 'd', health: 'DRAINING' }] },
        { priority: 1, eps: [{ ip: 'p1' }] },
      ]),
    );
    expect(new Set(picks(c, 10))).toEqual(new Set(['b']));
    const onlyBackup = one(eds('c', { lb_policy: 'ROUND_ROBIN' }), cla('c', [{ eps: [{ ip: 'a', health: 'UNHEALTHY' }] }, { priority: 1, eps: [{ ip: 'p1' }] }]));
    expect(picks(onlyBackup, 3)).toEqual(['p1', 'p1', 'p1']);
  });
});

describe('LEAST_REQUEST', () => {
  test('is the default and prefers the less loaded endpoint (power of two choices)', () => {
    const c = one(eds('c'), cla('c', [{ eps: ips(2) }]));
    expect(c.lbPolicy).toBe('LEAST_REQUEST');
    const busy = c.endpoints[0]!;
    for (let i = 0; i < 5; i++) c.onRequestStart(busy);
    const n = count(picks(c, 200));
    // The busy host only wins when both random choices land on it (p = 1/4: 50 of 200 expected,
    // σ ≈ 6.1; the bound 70 is 3.3σ away, and the runtime is seeded, so the draw is fixed).
    expect(n.get('10.0.0.2')!).toBeGreaterThan(130);
    expect(n.get('10.0.0.1')!).toBeLessThan(70);
    for (let i = 0; i < 5; i++) c.onRequestEnd(busy, { status: 200 });
    expect(c.activeRequests(busy.key)).toBe(0);
  });

  test('of the two hosts drawn, the one with fewer active requests wins; a tie keeps the first drawn', () => {
    // Scripted draws over three hosts: index = floor(r × 3).
    const draws = [0.1, 0.9, /* a, c */ 0.9, 0.1, /* c, a */ 0.1, 0.5, /* a, b */ 0.5, 0.1 /* b, a */];
    const rt = { now: () => 0, advance: () => {}, random: () => draws.shift()! };
    const c = one(eds('c'), cla('c', [{ eps: ips(3) }]), rt);
    const [a, b] = c.endpoints;
    c.onRequestStart(a!);
    c.onRequestStart(b!);
    expect(picks(c, 4)).toEqual(['10.0.0.3', '10.0.0.3', '10.0.0.1', '10.0.0.2']);
    expect(draws).toEqual([]);
  });

  test('unequal weights: weight / (active + 1)', () => {
    const c = one(eds('c'), cla('c', [{ eps: [{ ip: 'a', weight: 3 }, { ip: 'b', weight: 1 }] }]));
    const idle = count(picks(c, 400));
    expect(idle.get('a')).toBe(300);
    expect(idle.get('b')).toBe(100);
    // 'a' with 5 active requests weighs 3/6 = 0.5 against 'b' at 1: 'b' now gets about two thirds.
    for (let i = 0; i < 5; i++) c.onRequestStart(c.endpoints[0]!);
    const loaded = count(picks(c, 300));
    expect(loaded.get('b')!).toBeGreaterThan(180);
  });
});

describe('RANDOM', () => {
  test('random is uniform: endpoint weights are ignored, as Envoy RandomLoadBalancer does', () => {
    const c = one(eds('c', { lb_policy: 'RANDOM' }), cla('c', [{ eps: [{ ip: 'a', weight: 1 }, { ip: 'b', weight: 1 }, { ip: 'c', weight: 2 }] }]), testRuntime(42));
    const n = count(picks(c, 8000));
    // expected 2667 each; ±200 is > 4 standard deviations (σ ≈ 42)
    for (const ip of ['a', 'b', 'c']) expect(Math.abs(n.get(ip)! - 8000 / 3), ip).toBeLessThan(200);
  });
});

const hashCtx = (i: number): PickContext => ({ hash: `user-${i}` });

describe.each(['RING_HASH', 'MAGLEV'] as const)('%s', (policy) => {
  const cluster = eds('c', { lb_policy: policy });

  test('same key, same endpoint; keys spread over endpoints', () => {
    const c = one(cluster, cla('c', [{ eps: ips(4) }]));
    const first = picks(c, 2000, hashCtx);
    const again = picks(c, 2000, hashCtx);
    expect(again).toEqual(first);
    const n = count(first);
    expect(n.size).toBe(4);
    for (const v of n.values()) expect(v).toBeGreaterThan(300); // 500 each on average
  });

  test('stable across recompiles of the same endpoints', () => {
    const a = picks(one(cluster, cla('c', [{ eps: ips(4) }])), 500, hashCtx);
    const b = picks(one(cluster, cla('c', [{ eps: ips(4) }]), testRuntime(99)), 500, hashCtx);
    expect(b).toEqual(a);
  });

  test('removing one endpoint moves (mostly) only its keys', () => {
    const before = picks(one(cluster, cla('c', [{ eps: ips(5) }])), 3000, hashCtx);
    const after = picks(one(cluster, cla('c', [{ eps: ips(5).filter((e) => e.ip !== '10.0.0.3') }])), 3000, hashCtx);
    let movedOthers = 0;
    for (let i = 0; i < before.length; i++) {
      if (before[i] === '10.0.0.3') expect(after[i]).not.toBe('10.0.0.3');
      else if (after[i] !== before[i]) movedOthers++;
    }
    // Only a few keys of the remaining hosts move (ring hash: the survivors get more points as the
    // ring is rescaled; maglev: permutation collisions change).
    expect(movedOthers).toBeLessThan(0.1 * before.length);
  });

  test('weights are respected', () => {
    const c = one(cluster, cla('c', [{ eps: [{ ip: 'a', weight: 3 }, { ip: 'b', weight: 1 }] }]));
    const n = count(picks(c, 4000, hashCtx));
    expect(n.get('a')! / 4000).toBeGreaterThan(0.65);
    expect(n.get('a')! / 4000).toBeLessThan(0.85);
  });

  test('an excluded endpoint is passed over; all excluded falls back', () => {
    const c = one(cluster, cla('c', [{ eps: ips(3) }]));
    const first = c.pick({ hash: 'k' });
    if (first === 'no-healthy-upstream') throw new Error('no host');
    const second = c.pick({ hash: 'k', exclude: new Set([first.key]) });
    expect(second).not.toBe('no-healthy-upstream');
    expect((second as { key: string }).key).not.toBe(first.key);
    const all = new Set(c.endpoints.map((e) => e.key));
    expect((c.pick({ hash: 'k', exclude: all }) as { key: string }).key).toBe(first.key);
  });

  test('without a hash key any endpoint may be chosen', () => {
    const c = one(cluster, cla('c', [{ eps: ips(3) }]));
    expect(new Set(picks(c, 100)).size).toBe(3);
  });
});

test('ring size honours minimum_ring_size, within maximum_ring_size and meshgate\'s cap', async () => {
  const { ringTable, RING_SIZE_CAP } = await import('../../../../src/gateway/upstream/lb.ts');
  const { HostState } = await import('../../../../src/gateway/upstream/state.ts');
  const host = (k: string, weight: number) => ({ endpoint: { key: k, address: k, port: 1, labels: {} }, state: new HostState(), weight, lbWeight: weight, statusHealthy: true });
  expect(ringTable([host('a', 1), host('b', 1)], 1024).points.length).toBe(1024);
  // Scaled so the lightest host's share is a whole number of points: 1000 × 1/3 → 334 × 3.
  expect(ringTable([host('a', 1), host('b', 2)], 1000).points.length).toBe(1002);
  expect(ringTable([host('a', 1), host('b', 2)], 1000, 900).points.length).toBe(900);
  // Envoy would build 8M points; a Worker isolate holds at most RING_SIZE_CAP (about 16 MB to build).
  const big = ringTable([host('a', 1), host('b', 1)], 8 * 1024 * 1024);
  expect(big.points.length).toBe(RING_SIZE_CAP);
  // Sorted by point, owners in range.
  expect(big.points.every((p, i) => i === 0 || big.points[i - 1]! <= p)).toBe(true);
  expect(new Set(big.owners)).toEqual(new Set([0, 1]));
});

test('a maglev table larger than meshgate\'s cap is built at the cap (a prime), every host still owning slots', async () => {
  const { maglevTable, MAGLEV_SIZE_CAP } = await import('../../../../src/gateway/upstream/lb.ts');
  const { HostState } = await import('../../../../src/gateway/upstream/state.ts');
  const host = (k: string) => ({ endpoint: { key: k, address: k, port: 1, labels: {} }, state: new HostState(), weight: 1, lbWeight: 1, statusHealthy: true });
  expect(maglevTable([host('a'), host('b')], 65537).length).toBe(65537);
  // Istio accepts primes below 5,000,011 (20 MB per table); the gateways build the largest prime below 2^20.
  const big = maglevTable([host('a'), host('b')], 4_999_999);
  expect(big.length).toBe(MAGLEV_SIZE_CAP);
  expect(new Set(big)).toEqual(new Set([0, 1]));
});

test('a recompile with the same hosts reuses the ring and maglev tables; changed hosts get new ones', () => {
  const state = new UpstreamState();
  const rt = testRuntime();
  const compile = (policy: 'RING_HASH' | 'MAGLEV', n: number) => {
    compileClusters([eds('c', { lb_policy: policy })], [cla('c', [{ eps: ips(n) }])], state, rt);
    return [...state.cluster('c').lbTables.values()];
  };
  for (const policy of ['RING_HASH', 'MAGLEV'] as const) {
    const first = compile(policy, 3);
    expect(first).toHaveLength(1);
    expect(compile(policy, 3)[0]).toBe(first[0]);
    expect(compile(policy, 4)[0]).not.toBe(first[0]);
  }
});

describe('exclude (retry previous_hosts)', () => {
  test.each(['ROUND_ROBIN', 'LEAST_REQUEST', 'RANDOM'] as const)('%s avoids tried hosts and falls back when all were tried', (policy) => {
    const c = one(eds('c', { lb_policy: policy }), cla('c', [{ eps: ips(3) }]));
    const tried = new Set(['10.0.0.1:8080', '10.0.0.2:8080']);
    for (let i = 0; i < 20; i++) expect(addr(c, { exclude: tried })).toBe('10.0.0.3');
    const all = new Set([...tried, '10.0.0.3:8080']);
    expect(addr(c, { exclude: all })).not.toBe('no-healthy-upstream');
  });
});

test('empty assignment, missing assignment ⇒ no-healthy-upstream', () => {
  expect(one(eds('c'), cla('c', [])).pick({})).toBe('no-healthy-upstream');
  expect(compileClusters([eds('c')], [], new UpstreamState(), testRuntime()).get('c')!.pick({})).toBe('no-healthy-upstream');
  expect(one(eds('c'), cla('c', [{ eps: [{ ip: 'a', health: 'UNHEALTHY' }] }])).pick({})).toBe('no-healthy-upstream');
});

test('ORIGINAL_DST picks the request\'s own destination', () => {
  const c = compileClusters([{ name: 'PassthroughCluster', type: 'ORIGINAL_DST', lb_policy: 'CLUSTER_PROVIDED' }], [], new UpstreamState(), testRuntime()).get('PassthroughCluster')!;
  expect(c.kind).toBe('original_dst');
  expect(c.pick({})).toMatchObject({ originalDestination: true });
});

test('endpoint fields: key, binding, hostname, labels', () => {
  const eps: Ep[] = [{ ip: 'worker:REVIEWS', port: 9080, labels: { version: 'v2' } }, { ip: 'api.example.com', port: 443 }, { ip: '10.1.2.3' }];
  const c = one(eds('c'), cla('c', [{ eps }]));
  expect(c.endpoints).toEqual([
    { key: 'worker:REVIEWS:9080', address: 'worker:REVIEWS', port: 9080, binding: 'REVIEWS', labels: { version: 'v2' } },
    { key: 'api.example.com:443', address: 'api.example.com', port: 443, hostname: 'api.example.com', labels: {} },
    { key: '10.1.2.3:8080', address: '10.1.2.3', port: 8080, labels: {} },
  ]);
});
