import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runFilters } from '../../../../../src/gateway/filters/chain.ts';
import { toGrpcLocalReply } from '../../../../../src/gateway/http/local-reply.ts';
import { ap, chainFor, ctxOf, decide, DENIED, meshConfig } from './helpers.ts';

// CUSTOM → ext_authz against a real HTTP authorizer on 127.0.0.1 (node:http).

interface Seen { method: string; url: string; headers: IncomingHttpHeaders; body: string }
const seen: Seen[] = [];
let server: Server;
let port = 0;
let closedPort = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const url = req.url ?? '';
      if (url.includes('/allow')) {
        res.writeHead(200, { 'x-authz-user': 'alice', 'x-not-forwarded': 'no' });
        res.end('ok');
      } else if (url.includes('/deny')) {
        res.writeHead(401, { 'x-reason': 'bad token', 'www-authenticate': 'Bearer realm="x"', 'x-secret': 'internal', 'content-type': 'text/plain' });
        res.end('nope');
      } else if (url.includes('/redirect')) {
        res.writeHead(302, { location: 'https://login.example.com/' });
        res.end();
      } else if (url.includes('/created')) {
        res.writeHead(Number(new URL(url, 'http://x').searchParams.get('status') ?? 201));
        res.end();
      } else if (url.includes('/broken')) {
        res.writeHead(500, { 'x-trace': 'stack' });
        res.end('internal error details');
      } else if (url.includes('/slow')) {
        setTimeout(() => { res.writeHead(200); res.end(); }, 1000);
      } else {
        res.writeHead(200);
        res.end();
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  // A port nobody listens on: bind, note, close.
  const tmp = createServer();
  await new Promise<void>((r) => tmp.listen(0, '127.0.0.1', r));
  closedPort = (tmp.address() as AddressInfo).port;
  await new Promise<void>((r) => tmp.close(() => r()));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

function provider(extra = '', p = port): string {
  return meshConfig(`
extensionProviders:
- name: authz
  envoyExtAuthzHttp:
    service: 127.0.0.1
    port: ${p}
    pathPrefix: /check
    timeout: 200ms
${extra.split('\n').filter(Boolean).map((l) => `    ${l}`).join('\n')}
`);
}
const custom = ap('ext', 'istio-system', '  action: CUSTOM\n  provider: {name: authz}\n  rules: [{to: [{operation: {paths: ["/allow*", "/deny*", "/slow*", "/redirect*", "/created*", "/broken*"]}}]}]');
const FULL = `includeRequestHeadersInCheck: [x-user, "x-ext-*"]
includeAdditionalHeadersInCheck: {x-added: "yes"}
headersToUpstreamOnAllow: [x-authz-user]
headersToDownstreamOnDeny: [x-reason]
includeRequestBodyInCheck: {maxRequestBytes: 64}`;

describe('CUSTOM with an HTTP ext_authz provider', () => {
  test('allow: check request shape, allowed upstream headers copied onto the request', async () => {
    const chain = chainFor(provider(FULL) + custom);
    const ctx = ctxOf({ path: '/allow/x', query: 'q=1', method: 'POST', body: 'payload', headers: { authorization: 'Bearer t', 'x-user': 'u', 'x-ext-foo': 'f', 'x-private': 'p' }, clientIp: '198.51.100.9', authority: 'app.example.com:8080' });
    seen.length = 0;
    expect(await decide(chain, ctx)).toBe('allow');
    expect(ctx.headers.get('x-authz-user')).toBe('alice');
    expect(ctx.headers.has('x-not-forwarded')).toBe(false);
    expect(seen).toHaveLength(1);
    const s = seen[0]!;
    expect(s.method).toBe('POST');
    expect(s.url).toBe('/check/allow/x?q=1');
    expect(s.body).toBe('payload');
    expect(s.headers).toMatchObject({ authorization: 'Bearer t', 'x-user': 'u', 'x-ext-foo': 'f', 'x-added': 'yes', 'x-forwarded-host': 'app.example.com:8080', 'x-forwarded-proto': 'http', 'x-forwarded-for': '198.51.100.9' });
    expect(s.headers['x-private']).toBeUndefined();
    // The original request body is still there for the upstream.
    expect(await ctx.request.text()).toBe('payload');
  });

  test('deny: the authorizer\'s status and body; only the listed client headers (plus www-authenticate, content-type)', async () => {
    const chain = chainFor(provider(FULL) + custom);
    const res = await runFilters(chain, ctxOf({ path: '/deny' }));
    expect(res?.status).toBe(401);
    expect(await res?.text()).toBe('nope');
    expect(res?.headers.get('x-reason')).toBe('bad token');
    expect(res?.headers.get('www-authenticate')).toBe('Bearer realm="x"');
    expect(res?.headers.has('x-secret')).toBe(false);
    // The denial is a local reply (Envoy sendLocalReply), so a gRPC caller gets it in gRPC form.
    const grpc = res && toGrpcLocalReply(res);
    expect([grpc?.status, grpc?.headers.get('grpc-status'), grpc?.headers.get('grpc-message'), grpc?.headers.get('x-reason')]).toEqual([200, '16', 'nope', 'bad token']);
  });

  test('deny without headersToDownstreamOnDeny passes every authorizer header; a redirect is passed through', async () => {
    const chain = chainFor(provider() + custom);
    const res = await runFilters(chain, ctxOf({ path: '/deny' }));
    expect(res?.status).toBe(401);
    expect(res?.headers.get('x-secret')).toBe('internal');
    const redirect = await runFilters(chain, ctxOf({ path: '/redirect' }));
    expect(redirect?.status).toBe(302);
    expect(redirect?.headers.get('location')).toBe('https://login.example.com/');
  });

  test('requests no CUSTOM rule matches never reach the authorizer', async () => {
    seen.length = 0;
    expect(await decide(chainFor(provider() + custom), { path: '/other' })).toBe('allow');
    expect(seen).toEqual([]);
  });

  test('timeout ⇒ statusOnError (default 403, empty body); failOpen ⇒ allowed', async () => {
    expect(await decide(chainFor(provider() + custom), { path: '/slow' })).toBe('403');
    expect(await decide(chainFor(provider('statusOnError: "503"') + custom), { path: '/slow' })).toBe('503');
    expect(await decide(chainFor(provider('failOpen: true') + custom), { path: '/slow' })).toBe('allow');
  });

  test('only 200 allows: another 2xx is a denial with that status (Envoy ext_authz_http_impl toResponse)', async () => {
    seen.length = 0;
    const chain = chainFor(provider() + custom);
    const created = await runFilters(chain, ctxOf({ path: '/created', query: 'status=201' }));
    expect(created?.status).toBe(201);
    const noContent = await runFilters(chain, ctxOf({ path: '/created', query: 'status=204' }));
    expect([noContent?.status, await noContent?.text()]).toEqual([204, '']);
  });

  test('a 5xx from the authorizer is an error: statusOnError (its body and headers are not passed on), or allowed with failOpen', async () => {
    const res = await runFilters(chainFor(provider() + custom), ctxOf({ path: '/broken' }));
    expect([res?.status, await res?.text(), res?.headers.get('x-trace')]).toEqual([403, '', null]);
    expect(await decide(chainFor(provider('statusOnError: "503"') + custom), { path: '/broken' })).toBe('503');
    expect(await decide(chainFor(provider('failOpen: true') + custom), { path: '/broken' })).toBe('allow');
  });

  test('authorizer unreachable ⇒ statusOnError unless failOpen', async () => {
    expect(await decide(chainFor(provider('', closedPort) + custom), { path: '/allow' })).toBe('403');
    expect(await decide(chainFor(provider('failOpen: true', closedPort) + custom), { path: '/allow' })).toBe('allow');
  });

  test('a body above maxRequestBytes without allowPartialMessage ⇒ 413', async () => {
    const chain = chainFor(provider(FULL) + custom);
    expect(await decide(chain, { path: '/allow', method: 'POST', body: 'x'.repeat(100) })).toBe('413 Payload Too Large');
  });

  test('CUSTOM allow does not bypass DENY or ALLOW', async () => {
    const chain = chainFor(provider() + custom + ap('deny', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/allow/admin]}}]}]') + ap('allow', 'istio-system', '  rules: [{to: [{operation: {paths: ["/allow/*"]}}]}]'));
    expect(await decide(chain, { path: '/allow/x' })).toBe('allow');
    expect(await decide(chain, { path: '/allow/admin' })).toBe(DENIED);
    expect(await decide(chain, { path: '/allowed' })).toBe(DENIED);
  });

  test('a provider whose endpoint is worker:BINDING is called through that service binding', async () => {
    const yaml = `${meshConfig(`
extensionProviders:
- name: authz
  envoyExtAuthzHttp: {service: authz.internal, port: 80, pathPrefix: /check}
`)}apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: authz, namespace: istio-system}
spec:
  hosts: [authz.internal]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: "worker:AUTHZ"}]
---
${custom}`;
    const called: string[] = [];
    // The binding stand-in forwards to the real authorizer, as a Worker service binding would serve it.
    const AUTHZ = { fetch: (url: string, init: RequestInit) => { called.push(url); return fetch(`http://127.0.0.1:${port}${new URL(url).pathname}`, init); } };
    expect(await decide(chainFor(yaml), ctxOf({ path: '/allow/b', env: { AUTHZ } }))).toBe('allow');
    expect(called).toEqual(['http://authz.internal:80/check/allow/b']);
    expect(await decide(chainFor(yaml), ctxOf({ path: '/deny', env: { AUTHZ } }))).toBe('401 nope');
    expect(await decide(chainFor(yaml), ctxOf({ path: '/allow/b', env: {} }))).toBe('403');
  });
});
