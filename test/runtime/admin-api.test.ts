import { exports } from 'cloudflare:workers';
import { abortAllDurableObjects } from 'cloudflare:test';
import { describe, expect, test } from 'vitest';

// The admin API against the real MeshControlPlane Durable Object in workerd.
const TOKEN = 'test-admin-token';
const call = (path: string, init: RequestInit = {}, token: string | null = TOKEN) =>
  exports.default.fetch(`http://cp${path}`, { ...init, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(init.headers as Record<string, string>) } });
const apply = (body: string, q = '') => call(`/v1/apply${q}`, { method: 'POST', body });

const gw = (name: string, host = '*.example.com') => `apiVersion: networking.istio.io/v1beta1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["${host}"]
`;
const pa = (name: string, mode = 'STRICT') => `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: ${name}, namespace: default}
spec: {mtls: {mode: ${mode}}}
`;

describe('admin API', () => {
  test('healthz is open; everything else needs the bearer token (401 without, 403 wrong)', async () => {
    expect((await call('/healthz', {}, null)).status).toBe(200);
    const none = await call('/apis/networking.istio.io/v1/gateways', {}, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Bearer/);
    expect((await call('/apis/networking.istio.io/v1/gateways', {}, 'wrong')).status).toBe(403);
    expect((await call('/apis/networking.istio.io/v1/gateways')).status).toBe(200);
  });

  test('apply creates, re-apply is unchanged with no version bump, change is configured', async () => {
    const first = await apply(gw('g1') + '---\n' + pa('p1'));
    expect(first.status).toBe(200);
    const a = (await first.json()) as { version: string; results: { action: string; kind: string; apiVersion: string }[] };
    expect(a.results.map((r) => [r.kind, r.action, r.apiVersion])).toEqual([['Gateway', 'created', 'networking.istio.io/v1beta1'], ['PeerAuthentication', 'created', 'security.istio.io/v1']]);
    const again = (await (await apply(gw('g1') + '---\n' + pa('p1'))).json()) as typeof a;
    expect(again.results.map((r) => r.action)).toEqual(['unchanged', 'unchanged']);
    expect(again.version).toBe(a.version);
    const changed = (await (await apply(pa('p1', 'PERMISSIVE'))).json()) as typeof a;
    expect(changed.results.map((r) => r.action)).toEqual(['configured']);
    expect(Number(changed.version)).toBe(Number(a.version) + 1);
    const got = (await (await call('/apis/security.istio.io/v1beta1/namespaces/default/peerauthentications/p1')).json()) as { apiVersion: string; metadata: { generation: number; resourceVersion: string; uid: string; creationTimestamp: string }; spec: unknown };
    expect(got.apiVersion).toBe('security.istio.io/v1beta1');
    expect(got.spec).toEqual({ mtls: { mode: 'PERMISSIVE' } });
    expect(got.metadata.generation).toBe(2);
    expect(got.metadata.resourceVersion).toBe(changed.version);
    expect(got.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('a multi-document apply with one invalid document stores nothing and names the error', async () => {
    const before = (await (await call('/apis/networking.istio.io/v1/gateways')).json()) as { items: unknown[]; metadata: { resourceVersion: string } };
    const bad = gw('ok-one') + '---\n' + `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bad-one, namespace: istio-system}
spec:
  servers:
  - port: {number: 99999, name: http, protocol: HTTP}
    hosts: ["*"]
`;
    const res = await apply(bad);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: { document: number; kind: string; name: string; path: string; line: number; message: string }[] };
    expect(body.errors).toContainEqual(expect.objectContaining({ document: 1, kind: 'Gateway', name: 'bad-one', path: 'spec.servers[0].port.number', line: 15 }));
    const after = (await (await call('/apis/networking.istio.io/v1/gateways')).json()) as typeof before;
    expect(after.items).toEqual(before.items);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  test('dryRun reports actions without storing', async () => {
    const res = (await (await apply(gw('dry'), '?dryRun=true')).json()) as { dryRun: boolean; results: { action: string }[] };
    expect(res.dryRun).toBe(true);
    expect(res.results[0]?.action).toBe('created');
    expect((await call('/apis/networking.istio.io/v1/namespaces/istio-system/gateways/dry')).status).toBe(404);
  });

  test('PUT creates (201) and replaces (200); a stale resourceVersion is 409; DELETE then 404', async () => {
    const path = '/apis/networking.istio.io/v1/namespaces/istio-system/gateways/put-me';
    const created = await call(path, { method: 'PUT', body: gw('put-me') });
    expect(created.status).toBe(201);
    const rv = ((await created.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const stale = gw('put-me', 'a.example.com').replace('namespace: istio-system}', `namespace: istio-system, resourceVersion: "${Number(rv) - 1}"}`);
    const conflict = await call(path, { method: 'PUT', body: stale });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { errors: Record<string, unknown>[] }).errors[0]).toMatchObject({ document: 0, kind: 'Gateway', name: 'put-me', path: 'metadata.resourceVersion' });
    const fresh = gw('put-me', 'a.example.com').replace('namespace: istio-system}', `namespace: istio-system, resourceVersion: "${rv}"}`);
    expect((await call(path, { method: 'PUT', body: fresh })).status).toBe(200);
    expect((await call(path, { method: 'PUT', body: gw('other-name') })).status).toBe(400);
    expect((await call(path, { method: 'DELETE' })).status).toBe(200);
    expect((await call(path, { method: 'DELETE' })).status).toBe(404);
    expect((await call(path)).status).toBe(404);
  });

  test('lists all namespaces and one namespace; unknown plural is 404', async () => {
    await apply(pa('other').replace('namespace: default', 'namespace: team-a'));
    const all = (await (await call('/apis/security.istio.io/v1/peerauthentications')).json()) as { kind: string; items: { metadata: { namespace: string } }[] };
    expect(all.kind).toBe('PeerAuthenticationList');
    expect(new Set(all.items.map((i) => i.metadata.namespace))).toEqual(new Set(['default', 'team-a']));
    const one = (await (await call('/apis/security.istio.io/v1/namespaces/team-a/peerauthentications')).json()) as typeof all;
    expect(one.items.map((i) => i.metadata.namespace)).toEqual(['team-a']);
    expect((await call('/apis/networking.istio.io/v1/widgets')).status).toBe(404);
  });

  test('POST /v1/delete removes what the manifest names', async () => {
    await apply(pa('del-me'));
    const res = (await (await call('/v1/delete', { method: 'POST', body: pa('del-me') + '---\n' + pa('never-was') })).json()) as { results: { apiVersion: string; name: string; action: string }[] };
    expect(res.results.map((r) => [r.apiVersion, r.name, r.action])).toEqual([['security.istio.io/v1', 'del-me', 'deleted'], ['security.istio.io/v1', 'never-was', 'not-found']]);
  });

  test("dryRun=All (Kubernetes' value) is a dry run for delete as for apply", async () => {
    await apply(pa('keep-me'));
    const res = (await (await call('/v1/delete?dryRun=All', { method: 'POST', body: pa('keep-me') })).json()) as { dryRun: boolean; results: { action: string }[] };
    expect([res.dryRun, res.results[0]?.action]).toEqual([true, 'deleted']);
    expect((await call('/apis/security.istio.io/v1/namespaces/default/peerauthentications/keep-me')).status).toBe(200);
  });

  test('dryRun=All on the Kubernetes-style PUT and DELETE stores and deletes nothing; another dryRun value is 400', async () => {
    const path = '/apis/security.istio.io/v1/namespaces/default/peerauthentications/dry-k8s';
    const put = await call(`${path}?dryRun=All`, { method: 'PUT', body: pa('dry-k8s') });
    expect(put.status).toBe(201);
    expect(((await put.json()) as { metadata: { name: string } }).metadata.name).toBe('dry-k8s');
    expect((await call(path)).status).toBe(404);
    expect((await call(path, { method: 'PUT', body: pa('dry-k8s').replace('namespace: default', 'namespace: default, labels: {team: a}') })).status).toBe(201);
    // The answer is what a real PUT would store: the body's labels (none), not the stored ones.
    const dry = (await (await call(`${path}?dryRun=All`, { method: 'PUT', body: pa('dry-k8s') })).json()) as { metadata: { labels?: unknown } };
    expect(dry.metadata.labels).toBeUndefined();
    expect(((await (await call(path)).json()) as { metadata: { labels?: unknown } }).metadata.labels).toEqual({ team: 'a' });
    expect((await call(`${path}?dryRun=All`, { method: 'DELETE' })).status).toBe(200);
    expect((await call(path)).status).toBe(200);
    const odd = await call(`${path}?dryRun=yes`, { method: 'DELETE' });
    expect(odd.status).toBe(400);
    expect((await call(path)).status).toBe(200);
    // An empty resourceVersion is no precondition (Kubernetes).
    const blankRv = pa('dry-k8s').replace('namespace: default', 'namespace: default, resourceVersion: ""');
    expect((await call(path, { method: 'PUT', body: blankRv })).status).toBe(200);
  });

  test('an empty metadata.namespace means the default namespace, for apply and delete alike', async () => {
    const blank = pa('blank-ns').replace('namespace: default', 'namespace: ""');
    expect((await apply(blank)).status).toBe(200);
    expect((await call('/apis/security.istio.io/v1/namespaces/default/peerauthentications/blank-ns')).status).toBe(200);
    const del = (await (await call('/v1/delete', { method: 'POST', body: blank })).json()) as { results: { namespace: string; action: string }[] };
    expect(del.results.map((r) => [r.namespace, r.action])).toEqual([['default', 'deleted']]);
  });

  test('every 400 error item has the contract keys (document, kind, name, path, message), null when unknown; other kinds are skipped with a warning', async () => {
    const keys = ['document', 'kind', 'name', 'path', 'message'];
    for (const body of ['a: [\n  b: {\n', '', 'apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata: {namespace: x}\nspec: {servers: []}\n']) {
      const res = await apply(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      for (const e of ((await res.json()) as { errors: Record<string, unknown>[] }).errors) expect(Object.keys(e)).toEqual(expect.arrayContaining(keys));
    }
    const mixed = (await (await apply(`apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}\n---\n${pa('with-a-service')}`)).json()) as { results: { name: string }[]; warnings: { message: string }[] };
    expect(mixed.results.map((r) => r.name)).toEqual(['with-a-service']);
    expect(mixed.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/^skipped Service \(v1\)/)]);
    const onlyForeign = await call('/v1/delete', { method: 'POST', body: 'apiVersion: v1\nkind: Service\nmetadata: {name: web}\n' });
    expect(onlyForeign.status).toBe(400);
  });

  test('body over the limit is 413', async () => {
    const res = await apply('#'.repeat(4 * 1024 * 1024 + 10));
    expect(res.status).toBe(413);
  });

  test('a resource over the stored-size limit in UTF-8 bytes (not characters) is 413, and nothing is stored', async () => {
    // 400,000 euro signs: 1.2 MB of UTF-8, under the 1 MiB limit if counted in characters.
    const big = pa('big-euro').replace('metadata: {name: big-euro, namespace: default}', `metadata: {name: big-euro, namespace: default, annotations: {note: "${'€'.repeat(400_000)}"}}`);
    const res = await apply(`${pa('small-first')}---\n${big}`);
    expect(res.status).toBe(413);
    const [item] = ((await res.json()) as { errors: Record<string, unknown>[] }).errors;
    // The error names the document and resource, like a validation error does.
    expect(item).toMatchObject({ document: 1, kind: 'PeerAuthentication', namespace: 'default', name: 'big-euro', message: expect.stringMatching(/PeerAuthentication default\/big-euro is \d+ bytes stored; the limit is 1048576/) });
    expect((await call('/apis/security.istio.io/v1/namespaces/default/peerauthentications/small-first')).status).toBe(404);
    expect((await call('/apis/security.istio.io/v1/namespaces/default/peerauthentications/big-euro')).status).toBe(404);
  });

  test('config survives a Durable Object restart', async () => {
    await apply(pa('durable'));
    await abortAllDurableObjects();
    const res = await call('/apis/security.istio.io/v1/namespaces/default/peerauthentications/durable');
    expect(res.status).toBe(200);
  });
});
