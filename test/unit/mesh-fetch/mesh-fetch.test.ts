import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { meshFetch, meshFetchMiddleware, SOURCE_HEADER, type MeshFetchVariables } from '../../../src/mesh-fetch/index.ts';

type Seen = { url: string; method: string; headers: Record<string, string>; body: string };

function recorder(status = 200) {
  const seen: Seen[] = [];
  const binding = {
    async fetch(req: Request): Promise<Response> {
      seen.push({ url: req.url, method: req.method, headers: Object.fromEntries(req.headers), body: await req.text() });
      return new Response('ok', { status, headers: { 'x-answered-by': 'egress' } });
    },
  };
  return { seen, binding };
}

describe('meshFetch', () => {
  test('sends through MESH_EGRESS with URL, method, headers and body intact', async () => {
    const { seen, binding } = recorder(201);
    const f = meshFetch({ MESH_EGRESS: binding });
    const res = await f('http://reviews.default.svc.cluster.local:9080/reviews/0?x=1', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'end-user': 'jason', 'x-custom': 'a' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-answered-by')).toBe('egress');
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.url).toBe('http://reviews.default.svc.cluster.local:9080/reviews/0?x=1');
    expect(s.method).toBe('POST');
    expect(s.headers['content-type']).toBe('application/json');
    expect(s.headers['end-user']).toBe('jason');
    expect(s.headers['x-custom']).toBe('a');
    expect(s.body).toBe('{"hello":"world"}');
    expect(s.headers[SOURCE_HEADER]).toBeUndefined();
  });

  test('accepts a Request and a URL object; GET has no body', async () => {
    const { seen, binding } = recorder();
    const f = meshFetch({ MESH_EGRESS: binding });
    await f(new Request('http://details.default.svc.cluster.local:9080/details/0', { method: 'PUT', body: 'x', headers: { a: '1' } }));
    await f(new URL('https://api.example.com/v1/things'));
    expect(seen[0]).toMatchObject({ url: 'http://details.default.svc.cluster.local:9080/details/0', method: 'PUT', body: 'x', headers: { a: '1' } });
    expect(seen[1]).toMatchObject({ url: 'https://api.example.com/v1/things', method: 'GET', body: '' });
  });

  test('streams a ReadableStream body through', async () => {
    const { seen, binding } = recorder();
    const f = meshFetch({ MESH_EGRESS: binding });
    const stream = new ReadableStream<Uint8Array>({
      start(ctrl) {
        ctrl.enqueue(new TextEncoder().encode('part1-'));
        ctrl.enqueue(new TextEncoder().encode('part2'));
        ctrl.close();
      },
    });
    await f('http://ratings.default.svc.cluster.local:9080/ratings/0', { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(seen[0]!.body).toBe('part1-part2');
  });

  test('uses another binding name when asked', async () => {
    const { seen, binding } = recorder();
    await meshFetch({ EGRESS: binding }, { binding: 'EGRESS' })('http://a.example/');
    expect(seen).toHaveLength(1);
  });

  test('throws a clear error naming the binding when it is missing', () => {
    expect(() => meshFetch({})).toThrow(
      'meshFetch: no service binding MESH_EGRESS; add [[services]] binding = "MESH_EGRESS" service = "meshgate-egress-gateway" to wrangler.toml',
    );
    expect(() => meshFetch(undefined, { binding: 'EGRESS' })).toThrow(/no service binding EGRESS; add \[\[services\]\] binding = "EGRESS"/);
    expect(() => meshFetch({ MESH_EGRESS: 'not a binding' })).toThrow(/no service binding MESH_EGRESS/);
  });

  test('a relative URL gives a clear error', async () => {
    const { binding } = recorder();
    await expect(meshFetch({ MESH_EGRESS: binding })('/reviews/0')).rejects.toThrow(/absolute URL/);
  });

  test('copies trace headers from `from` when not already set, nothing else', async () => {
    const { seen, binding } = recorder();
    const incoming = new Request('http://productpage.default.svc.cluster.local:9080/productpage', {
      headers: {
        'x-request-id': 'rid-1',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
        tracestate: 'congo=t61rcWkgMzE',
        'x-b3-traceid': '80f198ee56343ba864fe8b2a57d3eff7',
        'x-b3-spanid': 'e457b5a2e4d86bd1',
        'x-b3-parentspanid': '05e3ac9a4f6e3b90',
        'x-b3-sampled': '1',
        b3: '80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1',
        'end-user': 'jason',
        cookie: 'user=jason',
        authorization: 'Bearer secret',
        'x-meshgate-source': 'evil/ns',
      },
    });
    const f = meshFetch({ MESH_EGRESS: binding }, { from: incoming });
    await f('http://reviews.default.svc.cluster.local:9080/reviews/0', { headers: { tracestate: 'mine=1' } });
    const h = seen[0]!.headers;
    expect(h['x-request-id']).toBe('rid-1');
    expect(h['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(h['tracestate']).toBe('mine=1'); // caller's value wins
    expect(h['x-b3-traceid']).toBe('80f198ee56343ba864fe8b2a57d3eff7');
    expect(h['x-b3-spanid']).toBe('e457b5a2e4d86bd1');
    expect(h['x-b3-parentspanid']).toBe('05e3ac9a4f6e3b90');
    expect(h['x-b3-sampled']).toBe('1');
    expect(h['b3']).toBe('80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1');
    // application headers are not copied unless asked for
    expect(h['end-user']).toBeUndefined();
    expect(h['cookie']).toBeUndefined();
    expect(h['authorization']).toBeUndefined();
    expect(h[SOURCE_HEADER]).toBeUndefined();
  });

  test('without `from` no trace headers are invented', async () => {
    const { seen, binding } = recorder();
    await meshFetch({ MESH_EGRESS: binding })('http://a.example/');
    expect(Object.keys(seen[0]!.headers).filter((k) => k === 'x-request-id' || k === 'traceparent' || k.startsWith('x-b3-'))).toEqual([]);
  });

  test('`propagate` copies named application headers from `from`', async () => {
    const { seen, binding } = recorder();
    const incoming = new Request('http://x/', { headers: { 'end-user': 'jason', 'user-agent': 'ua/1', other: 'no' } });
    await meshFetch({ MESH_EGRESS: binding }, { from: incoming, propagate: ['End-User', 'user-agent'] })('http://ratings.default.svc.cluster.local:9080/ratings/0');
    expect(seen[0]!.headers).toMatchObject({ 'end-user': 'jason', 'user-agent': 'ua/1' });
    expect(seen[0]!.headers['other']).toBeUndefined();
  });

  test('sets x-meshgate-source from identity and overrides a caller-set value', async () => {
    const { seen, binding } = recorder();
    const f = meshFetch({ MESH_EGRESS: binding }, { identity: { namespace: 'default', serviceAccount: 'bookinfo-productpage' } });
    await f('http://a.example/');
    await f('http://a.example/', { headers: { 'x-meshgate-source': 'istio-system/admin' } });
    expect(seen[0]!.headers[SOURCE_HEADER]).toBe('default/bookinfo-productpage');
    expect(seen[1]!.headers[SOURCE_HEADER]).toBe('default/bookinfo-productpage');
  });

  test('removes a caller-set x-meshgate-source when no identity is configured', async () => {
    const { seen, binding } = recorder();
    const f = meshFetch({ MESH_EGRESS: binding });
    await f('http://a.example/', { headers: { 'X-Meshgate-Source': 'istio-system/admin' } });
    await f(new Request('http://a.example/', { headers: { 'x-meshgate-source': 'istio-system/admin' } }));
    expect(seen[0]!.headers[SOURCE_HEADER]).toBeUndefined();
    expect(seen[1]!.headers[SOURCE_HEADER]).toBeUndefined();
  });

  test('rejects a malformed identity', () => {
    const { binding } = recorder();
    expect(() => meshFetch({ MESH_EGRESS: binding }, { identity: { namespace: 'a/b', serviceAccount: 'sa' } })).toThrow(/identity.namespace/);
    expect(() => meshFetch({ MESH_EGRESS: binding }, { identity: { namespace: 'ns', serviceAccount: '' } })).toThrow(/identity.serviceAccount/);
  });

  test('passes the abort signal along', async () => {
    let signal: AbortSignal | undefined;
    const f = meshFetch({ MESH_EGRESS: { fetch: async (req: Request) => ((signal = req.signal), new Response('')) } });
    const ac = new AbortController();
    await f('http://a.example/', { signal: ac.signal });
    ac.abort();
    expect(signal?.aborted).toBe(true);
  });
});

describe('meshFetchMiddleware', () => {
  test('puts a request-scoped meshFetch on c.var with from: c.req.raw', async () => {
    const { seen, binding } = recorder();
    const app = new Hono<{ Variables: MeshFetchVariables }>();
    app.use('*', meshFetchMiddleware({ identity: { namespace: 'shop', serviceAccount: 'front' } }));
    app.get('/go', async (c) => {
      const res = await c.var.meshFetch('http://reviews.default.svc.cluster.local:9080/reviews/0', { headers: { 'end-user': 'jason' } });
      return c.text(`upstream ${res.status}`);
    });
    const res = await app.fetch(new Request('http://front/go', { headers: { 'x-request-id': 'rid-9', traceparent: 'tp' } }), { MESH_EGRESS: binding });
    expect(await res.text()).toBe('upstream 200');
    expect(seen[0]!.url).toBe('http://reviews.default.svc.cluster.local:9080/reviews/0');
    expect(seen[0]!.headers).toMatchObject({ 'x-request-id': 'rid-9', traceparent: 'tp', 'end-user': 'jason', [SOURCE_HEADER]: 'shop/front' });
  });

  test('options may be computed from the context', async () => {
    const { seen, binding } = recorder();
    const app = new Hono<{ Bindings: { NS: string; EG: typeof binding }; Variables: MeshFetchVariables }>();
    app.use('*', meshFetchMiddleware((c) => ({ binding: 'EG', identity: { namespace: (c.env as { NS: string }).NS, serviceAccount: 'sa' } })));
    app.get('/', async (c) => (await c.var.meshFetch('http://a.example/'), c.text('ok')));
    await app.fetch(new Request('http://x/'), { NS: 'team', EG: binding });
    expect(seen[0]!.headers[SOURCE_HEADER]).toBe('team/sa');
  });

  test('a missing binding answers 500 through onError with the clear message', async () => {
    const app = new Hono<{ Variables: MeshFetchVariables }>();
    app.use('*', meshFetchMiddleware());
    app.onError((err, c) => c.text(err.message, 500));
    app.get('/', (c) => c.text('unreachable'));
    const res = await app.fetch(new Request('http://x/'), {});
    expect(res.status).toBe(500);
    expect(await res.text()).toMatch(/^meshFetch: no service binding MESH_EGRESS/);
  });
});
