import { expect, test } from 'vitest';
import { testRuntime } from '../../../../src/gateway/runtime.ts';
import { compileClusters, type Lease, UpstreamState } from '../../../../src/gateway/upstream/index.ts';
import type { Cluster } from '../../../../src/xds/resources/cluster.ts';
import { cla, eds, ips } from './helpers.ts';

const thresholds = (t: NonNullable<Cluster['circuit_breakers']>['thresholds'][number]) => ({ circuit_breakers: { thresholds: [t] } });
const build = (extra: Partial<Cluster>, state = new UpstreamState()) => compileClusters([eds('c', extra)], [cla('c', [{ eps: ips(2) }])], state, testRuntime()).get('c')!;

test('max_requests overflows and recovers on release', () => {
  const c = build(thresholds({ max_requests: 2 }));
  expect(c.tryAcquire('request')).toBe(true);
  expect(c.tryAcquire('request')).toBe(true);
  expect(c.tryAcquire('request')).toBe(false);
  c.release('request');
  expect(c.tryAcquire('request')).toBe(true);
  expect(c.usage('request')).toBe(2);
});

test('max_retries is its own budget', () => {
  const c = build(thresholds({ max_retries: 1, max_requests: 10 }));
  expect(c.tryAcquire('retry')).toBe(true);
  expect(c.tryAcquire('retry')).toBe(false);
  expect(c.tryAcquire('request')).toBe(true);
  c.release('retry');
  expect(c.tryAcquire('retry')).toBe(true);
});

test('retry_budget replaces max_retries: budget_percent of active requests, at least min_retry_concurrency', () => {
  const c = build(thresholds({ max_retries: 0, retry_budget: { budget_percent: { value: 50 }, min_retry_concurrency: 1 } }));
  expect(c.tryAcquire('retry')).toBe(true); // no active request: the minimum, 1
  expect(c.tryAcquire('retry')).toBe(false);
  for (let i = 0; i < 6; i++) c.tryAcquire('request');
  expect(c.tryAcquire('retry')).toBe(true); // 50% of 6 active ⇒ 3
  expect(c.tryAcquire('retry')).toBe(true);
  expect(c.tryAcquire('retry')).toBe(false);
});

test('defaults are unlimited; only the DEFAULT priority threshold applies', () => {
  const c = build({ circuit_breakers: { thresholds: [{ priority: 'HIGH', max_requests: 0 }] } });
  for (let i = 0; i < 10_000; i++) expect(c.tryAcquire('request')).toBe(true);
  expect(c.limits.request).toBe(Infinity);
});

test('Istio defaults (2^32-1) never overflow in practice', () => {
  const max = 4294967295;
  const c = build(thresholds({ max_connections: max, max_pending_requests: max, max_requests: max, max_retries: max }));
  expect(c.tryAcquire('connection')).toBe(true);
});

test('counters are shared across recompiles of the same cluster', () => {
  const state = new UpstreamState();
  const v1 = build(thresholds({ max_requests: 1 }), state);
  expect(v1.tryAcquire('request')).toBe(true);
  const v2 = build(thresholds({ max_requests: 1 }), state);
  expect(v2.tryAcquire('request')).toBe(false);
  v1.release('request');
  expect(v2.tryAcquire('request')).toBe(true);
});

test('admit: max_connections fetch slots, max_pending_requests waiting, then overflow', async () => {
  const c = build(thresholds({ max_connections: 1, max_pending_requests: 1 }));
  const first = await c.admit();
  expect(first).not.toBe('overflow');
  let secondGranted: Lease | 'overflow' | 'timeout' | undefined;
  const second = c.admit(1000).then((l) => (secondGranted = l));
  expect(c.usage('pending')).toBe(1);
  expect(await c.admit()).toBe('overflow');
  await new Promise((r) => setTimeout(r, 20));
  expect(secondGranted).toBeUndefined();
  (first as Lease).release();
  (first as Lease).release(); // idempotent
  await second;
  expect(secondGranted).not.toBe('overflow');
  expect(c.usage('pending')).toBe(0);
  expect(c.usage('connection')).toBe(1);
  (secondGranted as Lease).release();
  expect(c.usage('connection')).toBe(0);
});

test('admit: a pending request that waits longer than maxWaitMs (the rest of the route timeout) times out', async () => {
  const c = build(thresholds({ max_connections: 1, max_pending_requests: 1 }));
  const first = await c.admit();
  expect(await c.admit(20)).toBe('timeout');
  expect(c.usage('pending')).toBe(0);
  (first as Lease).release();
});
