import { describe, expect, test } from 'vitest';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import { compileClusters, type CompiledCluster, type Endpoint, UpstreamState } from '../../../../src/gateway/upstream/index.ts';
import type { Cluster } from '../../../../src/xds/resources/cluster.ts';
import { cla, count, eds, ips } from './helpers.ts';

type Od = NonNullable<Cluster['outlier_detection']>;

// Detector tests allow every host to be ejected; the max_ejection_percent tests pass their own.
function setup(n: number, od: Od | undefined, extra: Partial<Cluster> = {}) {
  const rt = testRuntime(3);
  const state = new UpstreamState();
  const cluster = eds('c', { lb_policy: 'ROUND_ROBIN', ...(od ? { outlier_detection: { max_ejection_percent: 100, ...od } } : {}), ...extra });
  const assignment = cla('c', [{ eps: ips(n) }]);
  const compile = (eps = assignment) => compileClusters([cluster], [eps], state, rt).get('c')!;
  return { rt, state, compile, c: compile() };
}

function fail(c: CompiledCluster, ep: Endpoint, times: number, outcome: Parameters<CompiledCluster['onRequestEnd']>[1] = { status: 500 }) {
  for (let i = 0; i < times; i++) {
    c.onRequestStart(ep);
    c.onRequestEnd(ep, outcome);
  }
}
const addrs = (c: CompiledCluster, n: number) => Array.from({ length: n }, () => {
  const r = c.pick({});
  return r === 'no-healthy-upstream' ? r : r.address;
});

describe('consecutive 5xx', () => {
  test('ejects after N consecutive errors (default 5) and not before', () => {
    const { c } = setup(3, {});
    const ep = c.endpoints[0]!;
    fail(c, ep, 4);
    expect(c.isEjected(ep.key)).toBe(false);
    fail(c, ep, 1);
    expect(c.isEjected(ep.key)).toBe(true);
    expect(addrs(c, 30)).not.toContain(ep.address);
  });

  test('a success resets the counter', () => {
    const { c } = setup(3, { consecutive_5xx: 3 });
    const ep = c.endpoints[0]!;
    fail(c, ep, 2);
    fail(c, ep, 1, { status: 200 });
    fail(c, ep, 2);
    expect(c.isEjected(ep.key)).toBe(false);
    fail(c, ep, 1);
    expect(c.isEjected(ep.key)).toBe(true);
  });

  test('connect failures and timeouts count as 5xx; 4xx does not', () => {
    const { c } = setup(3, { consecutive_5xx: 3 });
    const [a, b] = c.endpoints;
    fail(c, a!, 1, { connectFailure: true });
    fail(c, a!, 1, { timeout: true });
    fail(c, a!, 1, { reset: true });
    expect(c.isEjected(a!.key)).toBe(true);
    fail(c, b!, 10, { status: 404 });
    expect(c.isEjected(b!.key)).toBe(false);
  });

  test('meshgate.error_status_codes replaces the 5xx range', () => {
    const { c } = setup(3, { consecutive_5xx: 2, 'meshgate.error_status_codes': [429, 503] });
    const [a, b] = c.endpoints;
    fail(c, a!, 5, { status: 500 });
    expect(c.isEjected(a!.key)).toBe(false);
    fail(c, b!, 2, { status: 429 });
    expect(c.isEjected(b!.key)).toBe(true);
  });

  test('consecutive_5xx 0 disables; enforcement % is rolled with rt.random()', () => {
    const off = setup(3, { consecutive_5xx: 0 });
    fail(off.c, off.c.endpoints[0]!, 50);
    expect(off.c.isEjected(off.c.endpoints[0]!.key)).toBe(false);
    // 50% enforcement over many thresholds: some ejections happen, some do not.
    const half = setup(20, { consecutive_5xx: 1, enforcing_consecutive_5xx: 50, max_ejection_percent: 100 });
    for (const ep of half.c.endpoints) fail(half.c, ep, 1);
    const ejected = half.c.endpoints.filter((e) => half.c.isEjected(e.key)).length;
    expect(ejected).toBeGreaterThan(3);
    expect(ejected).toBeLessThan(17);
  });
});

describe('consecutive gateway failure', () => {
  test('502/503/504 eject when enforced; 500 resets the gateway counter', () => {
    const { c } = setup(3, { consecutive_5xx: 100, consecutive_gateway_failure: 3, enforcing_consecutive_gateway_failure: 100 });
    const [a, b] = c.endpoints;
    fail(c, a!, 1, { status: 502 });
    fail(c, a!, 1, { status: 504 });
    fail(c, a!, 1, { connectFailure: true });
    expect(c.isEjected(a!.key)).toBe(true);
    fail(c, b!, 2, { status: 503 });
    fail(c, b!, 1, { status: 500 });
    fail(c, b!, 2, { status: 503 });
    expect(c.isEjected(b!.key)).toBe(false);
  });

  test('not enforced by default (Envoy enforcing_consecutive_gateway_failure = 0)', () => {
    const { c } = setup(3, { consecutive_5xx: 100, consecutive_gateway_failure: 2 });
    fail(c, c.endpoints[0]!, 10, { status: 503 });
    expect(c.isEjected(c.endpoints[0]!.key)).toBe(false);
  });
});

test('split_external_local_origin_errors: local failures have their own counter', () => {
  const { c } = setup(3, { consecutive_5xx: 2, split_external_local_origin_errors: true, consecutive_local_origin_failure: 3, max_ejection_percent: 100 });
  const [a, b] = c.endpoints;
  fail(c, a!, 2, { connectFailure: true });
  expect(c.isEjected(a!.key)).toBe(false); // would have been 2 × 5xx without split
  fail(c, a!, 1, { connectFailure: true });
  expect(c.isEjected(a!.key)).toBe(true);
  fail(c, b!, 2, { status: 500 });
  expect(c.isEjected(b!.key)).toBe(true);
});

describe('ejection time', () => {
  test('un-ejected after base_ejection_time × times ejected, growing; capped by max_ejection_time', () => {
    const { c, rt } = setup(3, { consecutive_5xx: 1, base_ejection_time: '30s', max_ejection_time: '80s' });
    const ep = c.endpoints[0]!;
    const ejectFor = () => {
      fail(c, ep, 1);
      expect(c.isEjected(ep.key)).toBe(true);
      let ms = 0;
      while (c.isEjected(ep.key)) {
        rt.advance(1000);
        ms += 1000;
      }
      return ms;
    };
    expect(ejectFor()).toBe(30_000);
    expect(ejectFor()).toBe(60_000);
    expect(ejectFor()).toBe(80_000); // 90s capped at 80s
    expect(ejectFor()).toBe(80_000);
  });

  test('un-ejected on the first interval tick after the ejection time ran out (Envoy checkHostForUneject on its timer)', () => {
    // Ticks every 10s from when the cluster was compiled; ejected 3s in for 15s ⇒ back at the 20s tick.
    const { c, rt } = setup(3, { consecutive_5xx: 1, base_ejection_time: '15s', interval: '10s' });
    const ep = c.endpoints[0]!;
    rt.advance(3_000);
    fail(c, ep, 1);
    rt.advance(16_999);
    expect(c.isEjected(ep.key)).toBe(true);
    rt.advance(1);
    expect(c.isEjected(ep.key)).toBe(false);
  });

  test('the ticks outlive a snapshot', () => {
    const { c, rt, compile } = setup(3, { consecutive_5xx: 1, base_ejection_time: '15s', interval: '10s' });
    rt.advance(4_000);
    const next = compile();
    const ep = next.endpoints[0]!;
    fail(next, ep, 1); // at 4s, for 15s ⇒ the 20s tick
    rt.advance(15_999);
    expect(next.isEjected(ep.key)).toBe(true);
    expect(c.isEjected(ep.key)).toBe(true);
    rt.advance(1);
    expect(next.isEjected(ep.key)).toBe(false);
  });

  test('the multiplier decays by one per healthy interval', () => {
    const { c, rt } = setup(3, { consecutive_5xx: 1, base_ejection_time: '10s', interval: '5s' });
    const ep = c.endpoints[0]!;
    fail(c, ep, 1); // ×1
    rt.advance(10_000);
    expect(c.isEjected(ep.key)).toBe(false);
    fail(c, ep, 1); // ×2
    rt.advance(20_000);
    expect(c.isEjected(ep.key)).toBe(false);
    rt.advance(10_000); // two healthy intervals: ×2 → ×0, the next ejection is ×1
    fail(c, ep, 1);
    rt.advance(9_999);
    expect(c.isEjected(ep.key)).toBe(true);
    rt.advance(1);
    expect(c.isEjected(ep.key)).toBe(false);
  });

  test('an ejected host comes back into rotation lazily on pick', () => {
    const { c, rt } = setup(2, { consecutive_5xx: 1 });
    const ep = c.endpoints[0]!;
    fail(c, ep, 1);
    expect(addrs(c, 4)).toEqual(['10.0.0.2', '10.0.0.2', '10.0.0.2', '10.0.0.2']);
    rt.advance(30_000);
    expect(addrs(c, 4).sort()).toEqual(['10.0.0.1', '10.0.0.1', '10.0.0.2', '10.0.0.2']);
  });
});

describe('max_ejection_percent', () => {
  test('default 10%, counting the ejection itself: fewer than 10 hosts eject none (current Envoy, no always_eject_one_host)', () => {
    const five = setup(5, { consecutive_5xx: 1, max_ejection_percent: undefined });
    for (const ep of five.c.endpoints) fail(five.c, ep, 1);
    expect(five.c.endpoints.filter((e) => five.c.isEjected(e.key))).toHaveLength(0);
    const ten = setup(10, { consecutive_5xx: 1, max_ejection_percent: undefined });
    for (const ep of ten.c.endpoints) fail(ten.c, ep, 1);
    expect(ten.c.endpoints.filter((e) => ten.c.isEjected(e.key))).toHaveLength(1);
  });

  test('50% of 6 hosts ⇒ 3', () => {
    const { c } = setup(6, { consecutive_5xx: 1, max_ejection_percent: 50 });
    for (const ep of c.endpoints) fail(c, ep, 1);
    expect(c.endpoints.filter((e) => c.isEjected(e.key))).toHaveLength(3);
  });

  test('100% ejects everything ⇒ no healthy upstream (panic off)', () => {
    const { c } = setup(2, { consecutive_5xx: 1, max_ejection_percent: 100 }, { common_lb_config: { healthy_panic_threshold: { value: 0 } } });
    for (const ep of c.endpoints) fail(c, ep, 1);
    expect(c.pick({})).toBe('no-healthy-upstream');
  });
});

describe('panic threshold', () => {
  test('below healthy_panic_threshold every endpoint is eligible; health counts with Envoy\'s overprovisioning factor 1.4', () => {
    const { c } = setup(4, { consecutive_5xx: 1, max_ejection_percent: 100 }, { common_lb_config: { healthy_panic_threshold: { value: 80 } } });
    const [a, b] = c.endpoints;
    fail(c, a!, 1);
    // 3 of 4 healthy: health min(100, 1.4 × 75) = 100 ≥ 80, so no panic: a is avoided
    expect(addrs(c, 12)).not.toContain(a!.address);
    fail(c, b!, 1);
    // 2 of 4: 1.4 × 50 = 70 < 80: panic, all four in rotation
    expect(count(addrs(c, 12)).size).toBe(4);
  });

  test('unset or 0 disables panic (Istio minHealthPercent default)', () => {
    const { c } = setup(1, { consecutive_5xx: 1 });
    fail(c, c.endpoints[0]!, 1);
    expect(c.pick({})).toBe('no-healthy-upstream');
  });

  test('panic also covers endpoints reported UNHEALTHY', () => {
    const rt = testRuntime();
    const c = compileClusters([eds('c', { common_lb_config: { healthy_panic_threshold: { value: 50 } } })], [cla('c', [{ eps: [{ ip: 'a', health: 'UNHEALTHY' }] }])], new UpstreamState(), rt).get('c')!;
    expect(c.pick({})).toMatchObject({ address: 'a' });
  });
});

describe('state carried across snapshots', () => {
  test('ejections, counters and active requests survive a recompile; removed endpoints are dropped', () => {
    const { c, compile, state, rt } = setup(3, { consecutive_5xx: 3, max_ejection_percent: 34 });
    const [a, b, d] = c.endpoints;
    fail(c, a!, 3);
    fail(c, b!, 2);
    c.onRequestStart(d!);
    const next = compile();
    expect(next).not.toBe(c);
    expect(next.isEjected(a!.key)).toBe(true);
    expect(next.activeRequests(d!.key)).toBe(1);
    fail(next, b!, 1); // third consecutive error, counted across versions
    expect(next.isEjected(b!.key)).toBe(false); // 34% of 3 hosts: one already ejected
    rt.advance(30_000);
    fail(next, b!, 3);
    expect(next.isEjected(b!.key)).toBe(true);
    // the old version's in-flight request ends against the shared state
    c.onRequestEnd(d!, { status: 200 });
    expect(next.activeRequests(d!.key)).toBe(0);

    const smaller = compile(cla('c', [{ eps: ips(2) }]));
    expect([...state.clusters.get('c')!.hosts.keys()].sort()).toEqual(['10.0.0.1:8080', '10.0.0.2:8080']);
    expect(smaller.isEjected(b!.key)).toBe(true);
    compileClusters([], [], state, rt);
    expect(state.clusters.size).toBe(0);
  });

  test('a failed compile leaves the state untouched', () => {
    const { c, state, rt } = setup(3, { consecutive_5xx: 1 });
    fail(c, c.endpoints[0]!, 1);
    expect(() => compileClusters([eds('c'), eds('c')], [], state, rt)).toThrow(/duplicate/);
    expect(state.clusters.get('c')!.hosts.size).toBe(3);
    expect(state.clusters.get('c')!.ejectedCount).toBe(1);
  });

  test('removing outlier_detection clears ejections', () => {
    const { c, state, rt } = setup(3, { consecutive_5xx: 1 });
    fail(c, c.endpoints[0]!, 1);
    const next = compileClusters([eds('c', { lb_policy: 'ROUND_ROBIN' })], [cla('c', [{ eps: ips(3) }])], state, rt).get('c')!;
    expect(next.isEjected(c.endpoints[0]!.key)).toBe(false);
    expect(new Set(addrs(next, 3)).size).toBe(3);
  });

  test('without outlier_detection nothing is ejected', () => {
    const { c } = setup(2, undefined);
    fail(c, c.endpoints[0]!, 100);
    expect(c.isEjected(c.endpoints[0]!.key)).toBe(false);
  });
});
