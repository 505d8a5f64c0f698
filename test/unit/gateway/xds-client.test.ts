import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { XdsServer } from '../../../src/controlplane/xds-server.ts';
import { SnapshotClient, type XdsBinding } from '../../../src/gateway/xds-client.ts';
import { compileSnapshot, type CompiledConfig } from '../../../src/gateway/compile.ts';
import { UpstreamState } from '../../../src/gateway/upstream/index.ts';
import { testRuntime } from '../../../src/gateway/runtime.ts';
import type { Resource } from '../../../src/config/meta.ts';
import type { Node } from '../../../src/xds/protocol.ts';

// The gateway's snapshot client against the real xDS server logic (in-process): ACK, NACK with
// the last good snapshot kept, no re-send of a rejected version, cold start without a control plane.
const node: Node = { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
const vs = (prefix: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: v, namespace: default}
spec:
  hosts: ["*"]
  gateways: [istio-system/gw]
  http: [{match: [{uri: {prefix: ${prefix}}}], directResponse: {status: 200}}]
`;

function harness(opts: { compiles?: { n: number } } = {}) {
  let resources: Resource[] = [];
  let version = 0;
  const server = new XdsServer(() => ({ resources, version }));
  const set = (yaml: string) => {
    resources = loadManifest(yaml).resources.map((r) => r.resource);
    version++;
    server.invalidate();
  };
  const binding: XdsBinding = { discover: (req) => server.discover(req) };
  const rt = testRuntime(1);
  let rejectNext = false;
  const client = new SnapshotClient<CompiledConfig>(node, (s) => {
    if (rejectNext) throw new Error('cannot compile: simulated data-plane limit');
    if (opts.compiles) opts.compiles.n++;
    return compileSnapshot(s, new UpstreamState(), rt);
  }, { refreshMs: 0, coldWaitMs: 1000 }, rt);
  return { server, set, binding, client, rejectNext: (v: boolean) => (rejectNext = v) };
}

describe('SnapshotClient', () => {
  test('applies and ACKs: syncz shows SYNCED at once', async () => {
    const h = harness();
    h.set(vs('/a'));
    const cfg = await h.client.get(h.binding, () => {});
    expect(cfg?.listeners.get(80)).toBeDefined();
    const [row] = await h.server.syncz();
    expect(row).toMatchObject({ proxy: 'gw', status: 'SYNCED', version: h.client.applied?.snapshot.version });
  });

  test('a snapshot that fails to compile is NACKed, the last good one keeps serving, and it is not re-sent', async () => {
    const h = harness();
    h.set(vs('/a'));
    await h.client.poll(h.binding);
    const good = h.client.applied!.snapshot.version;
    h.set(vs('/b'));
    h.rejectNext(true);
    await h.client.poll(h.binding);
    expect(h.client.applied?.snapshot.version).toBe(good);
    expect(h.client.lastError).toMatch(/simulated data-plane limit/);
    const [row] = await h.server.syncz();
    expect(row?.lastNack?.error).toMatch(/simulated data-plane limit/);
    // Polling again does not bring the rejected version back.
    h.rejectNext(false);
    await h.client.poll(h.binding);
    expect(h.client.applied?.snapshot.version).toBe(good);
    // A cold isolate of the same gateway (same node id, its own stream) is offered it.
    const cold = new SnapshotClient<CompiledConfig>(node, (s) => compileSnapshot(s, new UpstreamState(), testRuntime(2)), { refreshMs: 0, coldWaitMs: 1000 }, testRuntime(2));
    await cold.poll(h.binding);
    expect(cold.applied?.snapshot.version).toBe(row?.lastNack?.version);
    // A newer config is offered and applied.
    h.set(vs('/c'));
    await h.client.poll(h.binding);
    expect(h.client.applied?.snapshot.version).not.toBe(good);
    // …the newest the server has: syncz shows the proxy SYNCED on it.
    const [after] = await h.server.syncz();
    expect(after).toMatchObject({ status: 'SYNCED', version: h.client.applied?.snapshot.version, latest: h.client.applied?.snapshot.version });
  });

  test('cold start with an unreachable control plane gives no config and says why', async () => {
    const h = harness();
    const down: XdsBinding = { discover: () => Promise.reject(new Error('connection refused')) };
    expect(await h.client.get(down, () => {})).toBeUndefined();
    expect(h.client.lastError).toMatch(/control plane unreachable: connection refused/);
  });
});

describe('SnapshotClient under a slow, stuck or busy control plane', () => {
  const delayed = (inner: XdsBinding, ms: number, calls: { n: number }): XdsBinding => ({
    discover: async (req) => {
      calls.n++;
      await new Promise((r) => setTimeout(r, ms));
      return inner.discover(req);
    },
  });

  test('requests arriving together on a cold isolate share one load: one discovery, one ACK, one compile', async () => {
    const compiles = { n: 0 };
    const h = harness({ compiles });
    h.set(vs('/a'));
    const calls = { n: 0 };
    const slow = delayed(h.binding, 50, calls);
    const got = await Promise.all(Array.from({ length: 20 }, () => h.client.get(slow, () => {})));
    expect(got.every((c) => c?.listeners.get(80) !== undefined)).toBe(true);
    expect({ discoveries: calls.n, compiles: compiles.n }).toEqual({ discoveries: 2, compiles: 1 });
  });

  test('while the control plane is down, a cold isolate keeps one discovery in flight, not one per request', async () => {
    const calls = { n: 0 };
    const hung: XdsBinding = { discover: () => (calls.n++, new Promise(() => {})) };
    const client = new SnapshotClient<CompiledConfig>(node, (s) => compileSnapshot(s, new UpstreamState(), testRuntime(3)), { refreshMs: 0, coldWaitMs: 100, discoverTimeoutMs: 60_000 }, testRuntime(3));
    const got = await Promise.all(Array.from({ length: 10 }, () => client.get(hung, () => {})));
    expect(got).toEqual(Array(10).fill(undefined));
    expect(calls.n).toBe(1);
  });

  test('a refresh that never answers is given up at its deadline: later requests refresh again and apply the change', async () => {
    const h = harness();
    h.set(vs('/a'));
    const rt = testRuntime(4);
    const client = new SnapshotClient<CompiledConfig>(node, (s) => compileSnapshot(s, new UpstreamState(), rt), { refreshMs: 0, coldWaitMs: 1000, discoverTimeoutMs: 50 }, rt);
    const loading: Promise<unknown>[] = [];
    await client.get(h.binding, (p) => loading.push(p));
    await Promise.all(loading); // the cold load's ACK
    const first = client.applied!.snapshot.version;
    let stuck = true;
    const flaky: XdsBinding = { discover: (req) => (stuck ? new Promise(() => {}) : h.binding.discover(req)) };
    const scheduled: Promise<unknown>[] = [];
    client.get(flaky, (p) => scheduled.push(p));
    expect(scheduled).toHaveLength(1);
    rt.advance(10);
    client.get(flaky, (p) => scheduled.push(p));
    expect(scheduled).toHaveLength(1); // one refresh in flight at a time
    await scheduled[0]; // given up after 50 ms
    expect(client.lastError).toMatch(/control plane unreachable: no answer in 50 ms/);
    stuck = false;
    h.set(vs('/b'));
    rt.advance(10);
    client.get(flaky, (p) => scheduled.push(p));
    expect(scheduled).toHaveLength(2);
    await scheduled[1];
    expect(client.applied!.snapshot.version).not.toBe(first);
  });

  test('a cold request is served once the snapshot is applied, without waiting for its ACK; the ACK still goes out', async () => {
    const h = harness();
    h.set(vs('/a'));
    let releaseAck = () => {};
    const ackHeld = new Promise<void>((r) => (releaseAck = r));
    const slowAck: XdsBinding = { discover: async (req) => (req.response_nonce ? (await ackHeld, h.binding.discover(req)) : h.binding.discover(req)) };
    const later: Promise<unknown>[] = [];
    // A cold wait far beyond the test's own timeout: only an early answer passes.
    const client = new SnapshotClient<CompiledConfig>(node, (s) => compileSnapshot(s, new UpstreamState(), testRuntime(5)), { refreshMs: 0, coldWaitMs: 600_000 }, testRuntime(5));
    const cfg = await client.get(slowAck, (p) => later.push(p));
    expect(cfg?.listeners.get(80)).toBeDefined();
    expect((await h.server.syncz())[0]?.status).not.toBe('SYNCED');
    releaseAck();
    await Promise.all(later);
    expect((await h.server.syncz())[0]?.status).toBe('SYNCED');
  });

  test('an unreachable control plane is no longer reported once it answers again', async () => {
    const h = harness();
    h.set(vs('/a'));
    await h.client.poll(h.binding);
    await h.client.poll({ discover: () => Promise.reject(new Error('connection refused')) });
    expect(h.client.lastError).toMatch(/control plane unreachable/);
    await h.client.poll(h.binding); // not modified, but answered
    expect(h.client.lastError).toBeUndefined();
  });

  test('a newer snapshot sent in reply to the ACK is applied and ACKed in the same poll', async () => {
    const h = harness();
    h.set(vs('/a'));
    let changed = false;
    const changing: XdsBinding = {
      discover: (req) => {
        // The config changes while the gateway compiles: its ACK is answered with the newer snapshot.
        if (req.response_nonce && !changed) {
          changed = true;
          h.set(vs('/b'));
        }
        return h.binding.discover(req);
      },
    };
    await h.client.poll(changing);
    const [row] = await h.server.syncz();
    expect(row).toMatchObject({ status: 'SYNCED', version: h.client.applied?.snapshot.version, latest: h.client.applied?.snapshot.version });
    expect(row?.configVersion).toBe('2');
  });
});

describe('SnapshotClient poll interval', () => {
  test('a snapshot asking for its own interval (refreshOf) overrides the gateway default', async () => {
    const server = new XdsServer(() => ({ resources: loadManifest(vs('/a')).resources.map((r) => r.resource), version: 1 }));
    const binding: XdsBinding = { discover: (req) => server.discover(req) };
    const rt = testRuntime(1);
    const polls: number[] = [];
    const running: Promise<unknown>[] = [];
    const schedule = (p: Promise<unknown>) => {
      polls.push(rt.now());
      running.push(p);
    };
    const client = new SnapshotClient<{ every?: number }>(node, () => ({ every: 1000 }), { refreshMs: 100, coldWaitMs: 1000, refreshOf: (c) => c.every }, rt);
    await client.get(binding, schedule); // cold: loads
    await Promise.all(running); // and ACKs
    polls.length = 0;
    rt.advance(500);
    client.get(binding, schedule);
    expect(polls).toEqual([]); // 500 ms > the default 100, but the snapshot asked for 1000
    rt.advance(500);
    client.get(binding, schedule);
    expect(polls).toHaveLength(1);
  });
});
