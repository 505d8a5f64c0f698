import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { XdsServer } from '../../../src/controlplane/xds-server.ts';
import type { ProxyState } from '../../../src/controlplane/proxy-status.ts';
import type { ProxyStatePersistence } from '../../../src/controlplane/proxy-state-store.ts';
import { WATCH_NODE_PREFIX, type DiscoveryResponse, type Node } from '../../../src/xds/protocol.ts';

// The xDS server writes a proxy's state when it changes (a version sent, an ACK, a NACK), never on
// a plain poll, and a new server over the same state carries on (the Durable Object's SQLite
// behind it is covered in test/runtime/xds.test.ts).
const node: Node = { id: 'gw', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
const config = (host: string) =>
  loadManifest(`apiVersion: networking.istio.io/v1
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
  hosts: [${host}]
  gateways: [istio-system/gw]
  http: [{directResponse: {status: 200}}]
`).resources.map((r) => r.resource);

class MemoryPersistence implements ProxyStatePersistence {
  rows = new Map<string, string>();
  saves = 0;
  load = () => [...this.rows.values()].map((s) => JSON.parse(s) as ProxyState);
  save = (s: ProxyState) => {
    this.saves++;
    this.rows.set(s.node.id, JSON.stringify(s));
  };
}

const full = (r: DiscoveryResponse) => {
  if (r.kind !== 'full') throw new Error(`expected a full snapshot, got ${r.kind}`);
  return r;
};

describe('proxy state persistence', () => {
  test('saved on send, ACK and NACK only; a new server neither forgets the NACK nor re-offers the version', async () => {
    const store = new MemoryPersistence();
    let cfg = { resources: config('a.example.com'), version: 1 };
    const server = new XdsServer(() => cfg, Date.now, store);
    const first = full(await server.discover({ node }));
    expect(store.saves).toBe(1);
    await server.discover({ node, version_info: first.snapshot.version, response_nonce: first.nonce });
    expect(store.saves).toBe(2);
    for (let i = 0; i < 5; i++) await server.discover({ node, version_info: first.snapshot.version });
    expect(store.saves).toBe(2); // polls that change nothing write nothing

    cfg = { resources: config('b.example.com'), version: 2 };
    server.invalidate();
    const next = full(await server.discover({ node, version_info: first.snapshot.version }));
    await server.discover({ node, version_info: first.snapshot.version, response_nonce: next.nonce, error_detail: { message: 'no' } });
    expect(store.saves).toBe(4);

    const restarted = new XdsServer(() => cfg, Date.now, store);
    expect(await restarted.discover({ node, version_info: first.snapshot.version })).toEqual({ kind: 'not-modified', version_info: first.snapshot.version });
    const [row] = await restarted.syncz();
    expect(row).toMatchObject({ proxy: 'gw', version: first.snapshot.version, lastNack: { version: next.snapshot.version, error: 'no' } });
  });
});

test('`proxy-config --watch` observers are never written', async () => {
  const store = new MemoryPersistence();
  const server = new XdsServer(() => ({ resources: config('a.example.com'), version: 1 }), Date.now, store);
  full(await server.discover({ node: { ...node, id: `${WATCH_NODE_PREFIX}gw~abc123` } }));
  expect(store.saves).toBe(0);
  // Nor kept in memory or listed as proxies.
  expect([server.proxies.size, await server.syncz()]).toEqual([0, []]);
});

// Every isolate of a gateway shares its node id; in xDS, ACK/NACK state is per stream.
describe('a NACK is per stream (isolate)', () => {
  test('the rejecting isolate is not offered the version again; a cold isolate and other isolates are', async () => {
    let cfg = { resources: config('a.example.com'), version: 1 };
    const server = new XdsServer(() => cfg, Date.now);
    const a = full(await server.discover({ node, stream: 'a' }));
    await server.discover({ node, stream: 'a', version_info: a.snapshot.version, response_nonce: a.nonce });
    cfg = { resources: config('b.example.com'), version: 2 };
    server.invalidate();
    const next = full(await server.discover({ node, stream: 'a', version_info: a.snapshot.version }));
    await server.discover({ node, stream: 'a', version_info: a.snapshot.version, response_nonce: next.nonce, error_detail: { message: 'old build' } });

    // The isolate that rejected it keeps its last good snapshot and is not sent the version again.
    expect(await server.discover({ node, stream: 'a', version_info: a.snapshot.version })).toEqual({ kind: 'not-modified', version_info: a.snapshot.version });
    // Another isolate (say, the new build in a rolling deploy) still gets it…
    expect(full(await server.discover({ node, stream: 'b', version_info: a.snapshot.version })).snapshot.version).toBe(next.snapshot.version);
    // …and a cold isolate, which has nothing else to serve, always does.
    expect(full(await server.discover({ node, stream: 'c' })).snapshot.version).toBe(next.snapshot.version);
    expect(full(await server.discover({ node })).snapshot.version).toBe(next.snapshot.version);
  });

  test('a NACK counts though another isolate polled in between; a cold isolate that rejected it is not sent it again', async () => {
    const server = new XdsServer(() => ({ resources: config('a.example.com'), version: 1 }), Date.now);
    const a = full(await server.discover({ node, stream: 'a' }));
    const b = full(await server.discover({ node, stream: 'b' })); // a newer nonce for the node
    expect(b.nonce).not.toBe(a.nonce);
    // Isolate a (cold: it has no version) cannot compile it.
    const nack = await server.discover({ node, stream: 'a', response_nonce: a.nonce, error_detail: { message: 'old build' } });
    expect(nack).toEqual({ kind: 'not-modified', version_info: '' });
    expect((await server.syncz())[0]?.lastNack).toMatchObject({ version: a.snapshot.version, error: 'old build' });
    expect((await server.discover({ node, stream: 'a' })).kind).toBe('not-modified');
    // Isolate b applied it: its ACK counts too.
    await server.discover({ node, stream: 'b', version_info: b.snapshot.version, response_nonce: b.nonce });
    expect((await server.syncz())[0]).toMatchObject({ version: b.snapshot.version });
  });

  test('hundreds of isolates interleaving: every NACK is matched, so no isolate is sent the rejected version again', async () => {
    const server = new XdsServer(() => ({ resources: config('a.example.com'), version: 1 }), Date.now);
    const streams = Array.from({ length: 300 }, (_, i) => `s${i}`);
    // Every isolate is sent the snapshot before any NACK arrives (compile time and transit).
    const sends = [];
    for (const stream of streams) sends.push(full(await server.discover({ node, stream })));
    for (const [i, stream] of streams.entries()) await server.discover({ node, stream, response_nonce: sends[i]!.nonce, error_detail: { message: 'old build' } });
    for (const stream of streams) expect((await server.discover({ node, stream })).kind).toBe('not-modified');
    expect((await server.syncz())[0]?.lastNack).toMatchObject({ version: sends[0]!.snapshot.version, error: 'old build' });
  });

  test("a late ACK of an older send does not move the node's applied version back", async () => {
    let cfg = { resources: config('a.example.com'), version: 1 };
    const server = new XdsServer(() => cfg, Date.now);
    const a = full(await server.discover({ node, stream: 'a' }));
    cfg = { resources: config('b.example.com'), version: 2 };
    server.invalidate();
    const b = full(await server.discover({ node, stream: 'b' }));
    await server.discover({ node, stream: 'b', version_info: b.snapshot.version, response_nonce: b.nonce });
    await server.discover({ node, stream: 'a', version_info: a.snapshot.version, response_nonce: a.nonce });
    expect((await server.syncz())[0]).toMatchObject({ version: b.snapshot.version, configVersion: '2', status: 'SYNCED' });
  });
});

describe('trust bundle retirement', () => {
  test('snapshots leave out a retired root at its retirement time, with no config write in between', async () => {
    let now = 1_000;
    const bundle = () => (now < 5_000 ? { roots: ['OLD', 'NEW'], changesAt: 5_000 } : { roots: ['NEW'] });
    const server = new XdsServer(() => ({ resources: config('a.example.com'), version: 1, trustBundle: bundle() }), () => now);
    const roots = (r: DiscoveryResponse) => JSON.stringify(full(r).snapshot).includes('OLD');
    const first = full(await server.discover({ node }));
    expect(roots(first)).toBe(true);
    now = 4_999;
    expect((await server.discover({ node, version_info: first.snapshot.version })).kind).toBe('not-modified');
    now = 5_000;
    const after = await server.discover({ node, version_info: first.snapshot.version });
    expect(roots(after)).toBe(false);
  });
});
