import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startMesh, type RunningMesh } from '../../src/cli/dev/mesh.ts';
import { applyAndSync } from './support/mesh.ts';
import { send, upstream, type Upstream } from './support/upstreams.ts';
import { userWorker } from './support/user-worker.ts';

// The egress gateway end to end: ServiceEntry registry, REGISTRY_ONLY vs ALLOW_ANY, wildcard
// hosts, VirtualService policy on external hosts, and a user Worker calling out via meshFetch.

let mesh: RunningMesh;
let api: Upstream, other: Upstream;
const out = (host: string, path = '/', opts: Parameters<typeof send>[2] = {}) => send(mesh.egressUrl, path, { ...opts, host });
const mode = (m: string) => `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    outboundTrafficPolicy:
      mode: ${m}
`;

beforeAll(async () => {
  [api, other] = await Promise.all([upstream('api'), upstream('other')]);
  const user = await userWorker('user-worker', join(import.meta.dirname, 'fixtures/user-worker.ts'), { MESH_EGRESS: 'egress-gateway' });
  mesh = await startMesh({
    adminPort: 0, ingressPort: 0, egressPort: 0, workerLogs: 'silent', refreshMs: 100,
    extraWorkers: [user],
  });
  await applyAndSync(mesh, `${mode('REGISTRY_ONLY')}---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: default}
spec:
  hosts: [api.partner.test]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${api.port}}}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: wild, namespace: default}
spec:
  hosts: ["*.wild.test"]
  location: MESH_EXTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
  endpoints: [{address: 127.0.0.1, ports: {http: ${other.port}}}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: api, namespace: default}
spec:
  hosts: [api.partner.test]
  http:
  - match: [{uri: {prefix: /slow}}]
    timeout: 0.3s
    route: [{destination: {host: api.partner.test}}]
  - match: [{uri: {prefix: /flaky}}]
    retries: {attempts: 2, retryOn: 5xx}
    route: [{destination: {host: api.partner.test}}]
  - match: [{uri: {prefix: /broken}}]
    fault: {abort: {httpStatus: 500, percentage: {value: 100}}}
    route: [{destination: {host: api.partner.test}}]
  - route: [{destination: {host: api.partner.test}}]
`);
}, 120_000);

afterAll(async () => {
  await mesh?.stop();
  await Promise.all([api, other].map((u) => u?.close()));
});

describe('egress gateway, end to end', () => {
  test('a registered host passes; an unregistered one is 502 under REGISTRY_ONLY', async () => {
    const ok = await out('api.partner.test', '/v1/things?x=1');
    expect(ok.status).toBe(200);
    expect(api.received.at(-1)?.url).toBe('/v1/things?x=1');
    expect(api.received.at(-1)?.headers['x-forwarded-host']).toBe('api.partner.test');
    const blocked = await out('evil.example.net');
    expect([blocked.status, blocked.body]).toEqual([502, '']);
  });

  test('wildcard ServiceEntry hosts match any subdomain', async () => {
    const r = await out('eu.wild.test', '/w');
    expect([r.status, JSON.parse(r.body).server]).toEqual([200, 'other']);
    expect((await out('wild.test')).status).toBe(502);
  });

  test('VirtualService timeout, retries and faults apply on the way out', async () => {
    expect((await out('api.partner.test', '/slow?delay=2000')).status).toBe(504);
    const before = api.received.length;
    expect((await out('api.partner.test', '/flaky?fail=2')).status).toBe(200);
    expect(api.received.length - before).toBe(3);
    const f = await out('api.partner.test', '/broken');
    expect([f.status, f.body]).toEqual([500, 'fault filter abort']);
  });

  test('a user Worker calling out through meshFetch is under the same policy', async () => {
    const userUrl = String(await mesh.mf.unsafeGetDirectURL('user-worker'));
    const allowed = await fetch(`${userUrl}?target=${encodeURIComponent('http://api.partner.test/from-worker')}`);
    expect(allowed.status).toBe(200);
    expect(api.received.at(-1)?.url).toBe('/from-worker');
    const denied = await fetch(`${userUrl}?target=${encodeURIComponent('http://evil.example.net/')}`);
    expect(denied.status).toBe(502);
  });

  test('ALLOW_ANY passes unknown destinations through (PassthroughCluster)', async () => {
    await applyAndSync(mesh, mode('ALLOW_ANY'));
    const r = await out(`127.0.0.1:${other.port}`, '/direct');
    expect([r.status, JSON.parse(r.body).server]).toEqual([200, 'other']);
  });
});
