import { env, exports } from 'cloudflare:workers';
import { runInDurableObject } from 'cloudflare:test';
import { describe, expect, test } from 'vitest';
import { MeshControlPlane } from '../../src/controlplane/durable-object.ts';
import type { DiscoveryResponse } from '../../src/xds/protocol.ts';

// xDS serving against the real Durable Object: versions, ACK/NACK, syncz, delta, WebSocket push.
const TOKEN = 'test-admin-token';
const call = (path: string, init: RequestInit = {}) => exports.default.fetch(`http://cp${path}`, { ...init, headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) } });
const apply = async (body: string) => expect((await call('/v1/apply', { method: 'POST', body })).status).toBe(200);
const stub = () => env.MESH.get(env.MESH.idFromName('mesh'));
const node = (id: string) => ({ id, role: 'ingress' as const, namespace: 'istio-system', labels: { istio: 'ingressgateway' } });
const discover = (req: object) => stub().discover(req) as Promise<DiscoveryResponse | { kind: 'error'; message: string }>;

const config = (host: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: web, namespace: default}
spec:
  hosts: [web.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: default}
spec:
  hosts: [${host}]
  gateways: [istio-system/gw]
  http: [{route: [{destination: {host: web.internal}}]}]
`;

type Syncz = { proxy: string; status: string; version?: string; configVersion?: string; lastNack?: { error: string } }[];
const syncz = async () => (await (await call('/debug/syncz')).json()) as Syncz;

describe('xDS serving', () => {
  test('full snapshot, ACK → SYNCED, not-modified, change → STALE, NACK never re-sent', async () => {
    await apply(config('a.example.com'));
    const first = await discover({ node: node('gw-1') });
    expect(first.kind).toBe('full');
    if (first.kind !== 'full') return;
    const snap = first.snapshot;
    expect(Object.keys(snap.type_versions)).toEqual(['cluster', 'endpoint', 'listener', 'route', 'secret']);
    expect(snap.resources.listener.map((l) => l.name)).toEqual(['0.0.0.0_80']);
    expect((await syncz()).find((r) => r.proxy === 'gw-1')?.status).toBe('STALE');
    const ack = await discover({ node: node('gw-1'), version_info: snap.version, response_nonce: first.nonce });
    expect(ack).toEqual({ kind: 'not-modified', version_info: snap.version });
    // configVersion is apply's `version`: what a caller compares to know its apply is running.
    expect((await syncz()).find((r) => r.proxy === 'gw-1')).toMatchObject({ status: 'SYNCED', version: snap.version, configVersion: String(snap.config_version) });

    await apply(config('b.example.com'));
    expect((await syncz()).find((r) => r.proxy === 'gw-1')?.status).toBe('STALE');
    const next = await discover({ node: node('gw-1'), version_info: snap.version });
    expect(next.kind).toBe('full');
    if (next.kind !== 'full') return;
    expect(next.snapshot.version).not.toBe(snap.version);
    // The proxy rejects it: recorded, and not sent again.
    const nack = await discover({ node: node('gw-1'), version_info: snap.version, response_nonce: next.nonce, error_detail: { message: 'cannot compile regex' } });
    expect(nack.kind).toBe('not-modified');
    const again = await discover({ node: node('gw-1'), version_info: snap.version });
    expect(again.kind).toBe('not-modified');
    const row = (await syncz()).find((r) => r.proxy === 'gw-1');
    expect(row?.lastNack?.error).toBe('cannot compile regex');
    expect([row?.version, row?.configVersion]).toEqual([snap.version, String(snap.config_version)]);
    expect(next.snapshot.config_version).toBeGreaterThan(snap.config_version);
  });

  test('a restarted control plane keeps what each proxy applied and rejected (SQLite)', async () => {
    await apply(config('c.example.com'));
    const first = await discover({ node: node('gw-restart') });
    if (first.kind !== 'full') throw new Error(`expected a full snapshot, got ${first.kind}`);
    await discover({ node: node('gw-restart'), version_info: first.snapshot.version, response_nonce: first.nonce });
    await apply(config('d.example.com'));
    const next = await discover({ node: node('gw-restart'), version_info: first.snapshot.version });
    if (next.kind !== 'full') throw new Error(`expected a full snapshot, got ${next.kind}`);
    await discover({ node: node('gw-restart'), version_info: first.snapshot.version, response_nonce: next.nonce, error_detail: { message: 'cannot compile regex' } });

    const before = (await syncz()).find((r) => r.proxy === 'gw-restart');
    expect(before).toMatchObject({ version: first.snapshot.version, lastNack: { version: next.snapshot.version, error: 'cannot compile regex' } });

    // A new instance over the same storage stands for the Durable Object after a restart.
    const after = await runInDurableObject(stub(), async (_instance, state) => {
      const restarted = new MeshControlPlane(state, env);
      // The runtime holds a restarted object's events until its CA has loaded; here, wait for that.
      for (let i = 0; i < 200 && !restarted.caBundle(); i++) await new Promise((r) => setTimeout(r, 5));
      const row = (await restarted.syncz()).find((r) => r.proxy === 'gw-restart');
      const offered = await restarted.discover({ node: node('gw-restart'), version_info: first.snapshot.version });
      return { row, offered: offered.kind };
    });
    expect(after.row).toEqual(before);
    expect(after.offered).toBe('not-modified'); // the rejected version is not offered again
  });

  test('delta sends only what changed and names what was removed (the route still names the cluster: 503 until it returns)', async () => {
    await apply(config('c.example.com'));
    const full = await discover({ node: node('gw-2') });
    if (full.kind !== 'full') throw new Error('expected full');
    await call('/v1/delete', { method: 'POST', body: config('c.example.com').split('---')[1]! });
    const delta = await discover({ node: node('gw-2'), version_info: full.snapshot.version, delta: true, resource_versions: full.snapshot.resource_versions });
    expect(delta.kind).toBe('delta');
    if (delta.kind !== 'delta') return;
    const byType = Object.fromEntries(delta.updates.map((u) => [u.type_url.split('.').pop()!, u]));
    // The ServiceEntry is gone: exactly its cluster and endpoints are removed, nothing else is sent.
    expect(Object.keys(byType).sort()).toEqual(['Cluster', 'ClusterLoadAssignment']);
    expect(byType['Cluster']).toMatchObject({ resources: [], removed_resources: ['outbound|80||web.internal'] });
    expect(byType['ClusterLoadAssignment']).toMatchObject({ resources: [], removed_resources: ['outbound|80||web.internal'] });
  });

  test('config_dump shows a known proxy; unknown is 404; bad requests are errors', async () => {
    await discover({ node: node('gw-3') });
    const dump = (await (await call('/debug/config_dump?proxy=gw-3')).json()) as { snapshot: { version: string } };
    expect(dump.snapshot.version).toMatch(/^[0-9a-f]{16}$/);
    expect((await call('/debug/config_dump?proxy=nobody')).status).toBe(404);
    expect((await discover({ node: { id: '' } })).kind).toBe('error');
  });

  test('the ADS WebSocket answers requests and pushes changes', async () => {
    const res = await call('/xds/ws', { headers: { upgrade: 'websocket' } });
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    ws.accept();
    const messages: DiscoveryResponse[] = [];
    let wake: () => void = () => {};
    ws.addEventListener('message', (e) => {
      messages.push(JSON.parse(e.data as string));
      wake();
    });
    const next = () => new Promise<void>((r) => (wake = r));
    let got = next();
    ws.send(JSON.stringify({ node: node('watcher') }));
    await got;
    const first = messages[0]!;
    expect(first.kind).toBe('full');
    if (first.kind !== 'full') return;
    got = next();
    ws.send(JSON.stringify({ node: node('watcher'), version_info: first.snapshot.version, response_nonce: first.nonce }));
    await got;
    expect(messages[1]?.kind).toBe('not-modified');
    got = next();
    await apply(config('d.example.com'));
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    await runDurableObjectAlarm(stub());
    await got;
    expect(messages[2]?.kind).toBe('full');
    ws.close();
  });
});

describe('hostile input to the xDS server', () => {
  test('an invalid WebSocket request is answered with an error and spoils nothing for later pushes or syncz', async () => {
    const res = await call('/xds/ws', { headers: { upgrade: 'websocket' } });
    const ws = res.webSocket!;
    ws.accept();
    const replies: { kind: string; message?: string }[] = [];
    let wake: () => void = () => {};
    ws.addEventListener('message', (e) => {
      replies.push(JSON.parse(e.data as string));
      wake();
    });
    for (const bad of ['{"node":"x"}', '1', 'null']) {
      const got = new Promise<void>((r) => (wake = r));
      ws.send(bad);
      await got;
    }
    expect(replies.map((r) => r.kind)).toEqual(['error', 'error', 'error']);
    await apply(config('e.example.com'));
    const { runDurableObjectAlarm } = await import('cloudflare:test');
    await runDurableObjectAlarm(stub());
    expect((await call('/debug/syncz')).status).toBe(200);
    ws.close();
  });

  test('stored proxy state of another shape is dropped, never fatal', async () => {
    await discover({ node: node('gw-shape') });
    const rows = await runInDurableObject(stub(), async (_instance, state) => {
      state.storage.sql.exec(`INSERT OR REPLACE INTO proxy_state (id, state, seen) VALUES ('a', 'null', 0), ('b', '{not json', 0), ('c', '{"node":{"id":"c","role":"ingress"},"lastSeen":1}', 0)`);
      const restarted = new MeshControlPlane(state, env);
      for (let i = 0; i < 200 && !restarted.caBundle(); i++) await new Promise((r) => setTimeout(r, 5));
      const offered = await restarted.discover({ node: node('c') });
      return { proxies: (await restarted.syncz()).map((r) => r.proxy), offered: offered.kind };
    });
    expect(rows.proxies).toContain('gw-shape');
    expect(rows.proxies.filter((p) => ['a', 'b'].includes(p))).toEqual([]);
    expect(rows.offered).toBe('full'); // `c` lacked `rejected`: rebuilt on its poll
  });
});
