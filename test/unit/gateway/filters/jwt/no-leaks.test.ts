import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { compileJwtAuthn } from '../../../../../src/gateway/filters/jwt-authn.ts';
import { clearJwksCache } from '../../../../../src/gateway/filters/jwt/jwks.ts';
import { config, ctxFor, istio, jwks, makeKey, sign, type TestKey } from './helpers.ts';

// No token, key or JWKS content in any error body, response header or log line the filter
// writes — including a token sent as a query parameter (kept out of the www-authenticate realm).

let key: TestKey;
let other: TestKey;
let server: Server;
let base: string;
beforeAll(async () => {
  [key, other] = await Promise.all([makeKey('RS256', 'k'), makeKey('RS256', 'k')]);
  server = createServer((req, res) => {
    if (req.url === '/jwks') res.writeHead(200, { 'content-type': 'application/json' }).end(jwks(key));
    else res.writeHead(500).end(jwks(key)); // an error page that happens to contain key material
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('secrets stay out of replies and logs', () => {
  test('every failure kind', async () => {
    clearJwksCache();
    const logged: string[] = [];
    const spies = (['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((m) => vi.spyOn(console, m).mockImplementation((...a: unknown[]) => void logged.push(a.map(String).join(' '))));
    try {
      const ISS = 'iss';
      const filters = [
        compileJwtAuthn(config({ 'origins-0': { issuer: ISS, local_jwks: { inline_string: jwks(key) }, from_params: ['token'], audiences: ['only-this'] } }, istio(1))),
        compileJwtAuthn(config({ 'origins-0': { issuer: ISS, remote_jwks: { http_uri: { uri: `${base}/broken`, timeout: '1s' } }, from_params: ['token'], audiences: ['only-this'] } }, istio(1))),
        compileJwtAuthn(config({ 'origins-0': { issuer: ISS, remote_jwks: { http_uri: { uri: `${base}/jwks`, timeout: '1s' } }, from_params: ['token'], audiences: ['only-this'] } }, istio(1))),
      ];
      const tokens = [
        await sign(key, { iss: ISS, sub: 's' }, { expIn: -999 }),
        await sign(other, { iss: ISS, sub: 's' }),
        await sign(key, { iss: 'nope', sub: 's' }),
        await sign(key, { iss: ISS, sub: 's', aud: 'wrong' }),
        await sign(key, { iss: ISS, sub: 's' }, { kid: 'unknown' }),
        'not-a-jwt-but-secret-looking-value',
      ];
      const seen: string[] = [];
      for (const f of filters) {
        for (const t of tokens) {
          for (const ctx of [ctxFor(`http://h/p?token=${t}&x=1`), ctxFor(`http://h/p?x=1&token=${t}`)]) {
            const res = await f.onRequest(ctx);
            expect(res?.status === 401 || res?.status === 403).toBe(true);
            seen.push(await res!.text());
            res!.headers.forEach((v, k) => seen.push(`${k}: ${v}`));
            expect(res!.headers.get('www-authenticate')).toBe('Bearer realm="http://h/p?x=1", error="invalid_token"');
          }
        }
      }
      const secrets = [
        ...tokens,
        ...tokens.flatMap((t) => t.split('.')).filter((s) => s.length > 16),
        String(key.privateJwk.d), String(key.privateJwk.p), String(key.publicJwk.n), jwks(key),
      ];
      for (const text of [...seen, ...logged]) for (const s of secrets) expect(text).not.toContain(s);
    } finally {
      for (const s of spies) s.mockRestore();
    }
  });
});
