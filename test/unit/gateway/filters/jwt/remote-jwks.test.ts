import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { compileJwtAuthn } from '../../../../../src/gateway/filters/jwt-authn.ts';
import { clearJwksCache } from '../../../../../src/gateway/filters/jwt/jwks.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { config, ctxFor, istio, jwks, makeKey, sign, START, type TestKey } from './helpers.ts';

// jwksUri against a real HTTP server on 127.0.0.1: fetched with the global fetch on first use,
// cached per isolate for cache_duration, a timeout and failures answered with
// "Jwks remote fetch is failed", OpenID discovery for issuer-only rules.

let key: TestKey;
let server: Server;
let base: string;
const hits = new Map<string, number>();
let healthy = true;

beforeAll(async () => {
  key = await makeKey('ES256', 'remote-1');
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const json = (status: number, body: string) => res.writeHead(status, { 'content-type': 'application/json' }).end(body);
    if (path.startsWith('/jwks')) return healthy ? json(200, jwks(key)) : json(503, '{}');
    if (path === '/slow') return void setTimeout(() => json(200, jwks(key)), 1500);
    if (path === '/error') return json(500, 'boom');
    if (path === '/garbage') return json(200, 'not json');
    if (path === '/.well-known/openid-configuration') return json(200, JSON.stringify({ issuer: base, jwks_uri: `${base}/jwks-oidc` }));
    json(404, '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
beforeEach(() => {
  clearJwksCache();
  hits.clear();
  healthy = true;
});

const ISS = 'https://remote.example';
const remote = (path: string, timeout = '5s', extra: Record<string, unknown> = {}) =>
  compileJwtAuthn(config({ 'origins-0': { issuer: ISS, remote_jwks: { http_uri: { uri: `${base}${path}`, timeout }, cache_duration: '300s', ...extra }, payload_in_metadata: ISS } }, istio(1)));

describe('remote JWKS', () => {
  test('compile does not fetch; the first token fetches, later ones use the cache until cache_duration passes', async () => {
    const rt = testRuntime(1, START);
    const f = remote('/jwks');
    expect(hits.get('/jwks')).toBeUndefined();
    const token = await sign(key, { iss: ISS, sub: 'r' }, { expIn: 3600 });
    const go = () => f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }, rt));
    expect(await go()).toBeUndefined();
    expect(await go()).toBeUndefined();
    expect(hits.get('/jwks')).toBe(1);
    rt.advance(301_000);
    expect(await go()).toBeUndefined();
    expect(hits.get('/jwks')).toBe(2);
  });

  test('no token ⇒ no fetch', async () => {
    expect(await remote('/jwks').onRequest(ctxFor('http://h/'))).toBeUndefined();
    expect(hits.size).toBe(0);
  });

  test('concurrent requests share one fetch', async () => {
    const f = remote('/jwks');
    const token = await sign(key, { iss: ISS, sub: 'r' });
    const results = await Promise.all([1, 2, 3, 4].map(() => f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }))));
    expect(results).toEqual([undefined, undefined, undefined, undefined]);
    expect(hits.get('/jwks')).toBe(1);
  });

  for (const [name, path] of [['HTTP 500', '/error'], ['a body that is not JSON', '/garbage'], ['a 404', '/missing']] as const) {
    test(`${name} ⇒ every token 401 "Jwks remote fetch is failed"`, async () => {
      const token = await sign(key, { iss: ISS, sub: 'r' });
      const res = await remote(path).onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }));
      expect(res?.status).toBe(401);
      expect(await res?.text()).toBe('Jwks remote fetch is failed');
    });
  }

  test('a fetch slower than the rule timeout is given up (the server would answer a valid JWKS)', async () => {
    const token = await sign(key, { iss: ISS, sub: 'r' });
    const res = await remote('/slow', '0.2s').onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }));
    // Had the client waited, /slow's valid JWKS would verify the token; 401 means it stopped at the timeout.
    expect(res?.status).toBe(401);
    expect(await res?.text()).toBe('Jwks remote fetch is failed');
  });

  test('a failure is not cached: once the server recovers, tokens verify', async () => {
    const f = remote('/jwks');
    const token = await sign(key, { iss: ISS, sub: 'r' });
    healthy = false;
    expect((await f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } })))?.status).toBe(401);
    healthy = true;
    expect(await f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }))).toBeUndefined();
  });

  test('OpenID discovery: the discovery document names the JWKS', async () => {
    const f = remote('/.well-known/openid-configuration', '5s', { 'meshgate.openid_discovery': true });
    const token = await sign(key, { iss: ISS, sub: 'r' });
    expect(await f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }))).toBeUndefined();
    expect(hits.get('/jwks-oidc')).toBe(1);
  });

  test('a token signed by a key the remote set does not have is refused', async () => {
    const stranger = await makeKey('ES256', 'remote-1');
    const token = await sign(stranger, { iss: ISS, sub: 'r' });
    const res = await remote('/jwks').onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } }));
    expect(await res?.text()).toBe('Jwt verification fails');
  });
});
