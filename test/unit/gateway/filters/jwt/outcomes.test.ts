import { beforeAll, describe, expect, test } from 'vitest';
import { compileJwtAuthn } from '../../../../../src/gateway/filters/jwt-authn.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import { config, ctxFor, istio, jwks, makeKey, sign, START, type TestKey } from './helpers.ts';

// Every outcome row of reference §5 against the data-plane filter, with real RS256/ES256 keys.

let rsa: TestKey, ec: TestKey, other: TestKey;
beforeAll(async () => {
  [rsa, ec, other] = await Promise.all([makeKey('RS256', 'rsa-1'), makeKey('ES256', 'ec-1'), makeKey('RS256', 'rsa-1')]);
});

const ISS = 'https://issuer.example';
const provider = (extra: Record<string, unknown> = {}) => ({ issuer: ISS, local_jwks: { inline_string: jwks(rsa, ec) }, payload_in_metadata: ISS, ...extra });
const filterWith = (extra: Record<string, unknown> = {}) => compileJwtAuthn(config({ 'origins-0': provider(extra) }, istio(1)));
const bearer = (t: string) => ({ authorization: `Bearer ${t}` });

async function run(f: ReturnType<typeof compileJwtAuthn>, ctx = ctxFor('http://api.example/')) {
  const res = await f.onRequest(ctx);
  return { res, ctx, body: res ? await res.text() : undefined };
}

const realm = (url: string) => `Bearer realm="${url}", error="invalid_token"`;

describe('no token and tokens in unconfigured locations', () => {
  test('no token passes with no request.auth attributes', async () => {
    const { res, ctx } = await run(filterWith());
    expect(res).toBeUndefined();
    expect(ctx.metadata).toEqual({});
  });

  test('a token in a header the rule does not configure is treated as missing (and left alone)', async () => {
    const f = filterWith({ from_headers: [{ name: 'x-jwt-token' }] });
    const token = await sign(rsa, { iss: ISS, sub: 'alice' });
    const { res, ctx } = await run(f, ctxFor('http://api.example/', { headers: bearer(token) }));
    expect(res).toBeUndefined();
    expect(ctx.metadata).toEqual({});
    expect(ctx.headers.get('authorization')).toBe(`Bearer ${token}`);
  });

  test('a header without the configured prefix is no token', async () => {
    const token = await sign(rsa, { iss: ISS, sub: 'alice' });
    const { res, ctx } = await run(filterWith(), ctxFor('http://api.example/', { headers: { authorization: token } }));
    expect(res).toBeUndefined();
    expect(ctx.metadata).toEqual({});
  });
});

describe('valid tokens', () => {
  test('the token ends at the first character a JWT cannot hold (Envoy extractJWT): two Authorization headers use the first', async () => {
    const token = await sign(rsa, { iss: ISS, sub: 'alice' });
    const second = await sign(rsa, { iss: ISS, sub: 'bob' });
    const joined = new Headers([['authorization', `Bearer ${token}`], ['authorization', `Bearer ${second}`]]);
    const { res, ctx } = await run(filterWith(), ctxFor('http://api.example/', { headers: Object.fromEntries(joined) }));
    expect(res).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe(`${ISS}/alice`);
    const trailing = await run(filterWith(), ctxFor('http://api.example/', { headers: { authorization: `Bearer ${token}; extra` } }));
    expect(trailing.res).toBeUndefined();
    // A header without a value prefix is the token as it stands (Envoy runs extractJWT only after a prefix).
    const bare = filterWith({ from_headers: [{ name: 'x-jwt' }] });
    expect((await run(bare, ctxFor('http://api.example/', { headers: { 'x-jwt': token } }))).res).toBeUndefined();
    expect((await run(bare, ctxFor('http://api.example/', { headers: { 'x-jwt': `${token}; extra` } }))).res?.status).toBe(401);
  });

  test('RS256: passes, istio_authn filled, token removed from Authorization', async () => {
    const token = await sign(rsa, { iss: ISS, sub: 'alice', aud: ['a1', 'a2'], azp: 'web-client', groups: ['g1'], nested: { role: 'admin' } });
    const { res, ctx } = await run(filterWith(), ctxFor('http://api.example/x', { headers: { ...bearer(token), 'x-other': 'kept' } }));
    expect(res).toBeUndefined();
    expect(ctx.headers.has('authorization')).toBe(false);
    expect(ctx.headers.get('x-other')).toBe('kept');
    expect(ctx.metadata.istio_authn).toEqual({
      'request.auth.principal': `${ISS}/alice`,
      'request.auth.audiences': ['a1', 'a2'],
      'request.auth.presenter': 'web-client',
      'request.auth.claims': { iss: ISS, sub: 'alice', aud: ['a1', 'a2'], azp: 'web-client', groups: ['g1'], nested: { role: 'admin' }, iat: Math.floor(START / 1000), exp: Math.floor(START / 1000) + 3600 },
    });
    expect((ctx.metadata['envoy.filters.http.jwt_authn'] as Record<string, unknown>)[ISS]).toMatchObject({ sub: 'alice' });
  });

  test('ES256 verifies too', async () => {
    const token = await sign(ec, { iss: ISS, sub: 'bob' });
    const { res, ctx } = await run(filterWith(), ctxFor('http://api.example/', { headers: bearer(token) }));
    expect(res).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe(`${ISS}/bob`);
  });

  test('no sub ⇒ no principal, claims still there', async () => {
    const token = await sign(rsa, { iss: ISS, scope: 'read write' });
    const { res, ctx } = await run(filterWith(), ctxFor('http://api.example/', { headers: bearer(token) }));
    expect(res).toBeUndefined();
    expect(ctx.metadata.istio_authn).not.toHaveProperty('request.auth.principal');
    expect(ctx.metadata.istio_authn?.['request.auth.claims']).toMatchObject({ scope: 'read write' });
  });

  test('forward: true keeps the token upstream', async () => {
    const token = await sign(rsa, { iss: ISS, sub: 'alice' });
    const { res, ctx } = await run(filterWith({ forward: true }), ctxFor('http://api.example/', { headers: bearer(token) }));
    expect(res).toBeUndefined();
    expect(ctx.headers.get('authorization')).toBe(`Bearer ${token}`);
  });

  test('a token without kid is checked against every key of a fitting type', async () => {
    const token = await sign(ec, { iss: ISS, sub: 'c' }, { kid: null });
    expect((await run(filterWith(), ctxFor('http://api.example/', { headers: bearer(token) }))).res).toBeUndefined();
  });
});

describe('invalid tokens ⇒ 401 with Envoy body and www-authenticate', () => {
  const cases: [string, () => Promise<string>, string][] = [
    ['expired', () => sign(rsa, { iss: ISS, sub: 'a' }, { expIn: -3600 }), 'Jwt is expired'],
    ['not yet valid', () => sign(rsa, { iss: ISS, sub: 'a' }, { nbfIn: 3600 }), 'Jwt not yet valid'],
    ['bad signature (same kid, other key)', () => sign(other, { iss: ISS, sub: 'a' }), 'Jwt verification fails'],
    ['unknown kid', () => sign(rsa, { iss: ISS, sub: 'a' }, { kid: 'nope' }), "Jwks doesn't have key to match kid or alg from Jwt"],
    ['unknown issuer', () => sign(rsa, { iss: 'https://evil.example', sub: 'a' }), 'Jwt issuer is not configured'],
    ['malformed (two sections)', async () => 'abc.def', 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
    ['header not base64url', async () => 'a.b.c', 'Jwt header is an invalid Base64url encoded'],
    ['header not JSON', async () => 'abcd.b.c', 'Jwt header is an invalid JSON'],
    ['alg none', async () => `${btoa('{"alg":"none"}').replace(/=+$/, '')}.${btoa(`{"iss":"${ISS}"}`).replace(/=+$/, '')}.`, 'Jwt header [alg] is not supported'],
    ['tampered payload', async () => {
      const [h, , s] = (await sign(rsa, { iss: ISS, sub: 'a' })).split('.');
      const p = btoa(JSON.stringify({ iss: ISS, sub: 'admin', exp: Math.floor(START / 1000) + 60 })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
      return `${h}.${p}.${s}`;
    }, 'Jwt verification fails'],
  ];
  for (const [name, make, body] of cases) {
    test(name, async () => {
      const token = await make();
      const { res, body: got, ctx } = await run(filterWith(), ctxFor('https://api.example:8443/p/q?x=1', { headers: bearer(token) }));
      expect(res?.status).toBe(401);
      expect(got).toBe(body);
      expect(res?.headers.get('www-authenticate')).toBe(realm('https://api.example:8443/p/q?x=1'));
      expect(res?.headers.get('content-type')).toBe('text/plain');
      expect(ctx.metadata).toEqual({});
    });
  }

  test('a token signed with an RSA key under 2048 bits is refused (a decision: jose will not use such keys; Envoy may)', async () => {
    const weak = (await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
    const jwk = { ...(await crypto.subtle.exportKey('jwk', weak.publicKey)), kid: 'weak', alg: 'RS256', use: 'sig' };
    const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64url');
    const input = `${b64(new TextEncoder().encode(JSON.stringify({ alg: 'RS256', kid: 'weak' })))}.${b64(new TextEncoder().encode(JSON.stringify({ iss: ISS, sub: 'a', exp: Math.floor(START / 1000) + 60 })))}`;
    const sig = new Uint8Array(await crypto.subtle.sign('RSASSA-PKCS1-v1_5', weak.privateKey, new TextEncoder().encode(input)));
    const f = compileJwtAuthn(config({ 'origins-0': { issuer: ISS, local_jwks: { inline_string: JSON.stringify({ keys: [jwk] }) } } }, istio(1)));
    const { res, body } = await run(f, ctxFor('http://api.example/', { headers: bearer(`${input}.${b64(sig)}`) }));
    expect([res?.status, body]).toEqual([401, 'Jwt verification fails']);
  });

  test('an invalid token is rejected even when another location holds a valid one', async () => {
    const f = filterWith({ from_params: ['t1', 't2'] });
    const good = await sign(rsa, { iss: ISS, sub: 'a' });
    const bad = await sign(rsa, { iss: ISS, sub: 'a' }, { expIn: -3600 });
    expect((await run(f, ctxFor(`http://api.example/?t1=${good}&t2=${good}`))).res).toBeUndefined();
    const { res, body } = await run(f, ctxFor(`http://api.example/?t1=${good}&t2=${bad}`));
    expect([res?.status, body]).toEqual([401, 'Jwt is expired']);
  });
});

describe('audiences', () => {
  test('a valid token whose aud is not allowed ⇒ 403', async () => {
    const f = filterWith({ audiences: ['bookstore'] });
    const token = await sign(rsa, { iss: ISS, sub: 'a', aud: 'petstore' });
    const { res, body } = await run(f, ctxFor('http://api.example/', { headers: bearer(token) }));
    expect(res?.status).toBe(403);
    expect(body).toBe('Audiences in Jwt are not allowed');
    expect(res?.headers.get('www-authenticate')).toBe(realm('http://api.example/'));
  });

  test('allowed aud passes; scheme and trailing slash are ignored as in Envoy; no aud ⇒ 403', async () => {
    const f = filterWith({ audiences: ['https://bookstore.example/'] });
    expect((await run(f, ctxFor('http://api.example/', { headers: bearer(await sign(rsa, { iss: ISS, aud: ['x', 'bookstore.example'] })) }))).res).toBeUndefined();
    expect((await run(f, ctxFor('http://api.example/', { headers: bearer(await sign(rsa, { iss: ISS })) }))).res?.status).toBe(403);
  });
});

describe('clock skew (60s, Envoy default) and the injected clock', () => {
  test('expired 30s ago passes, 61s ago fails; nbf 50s ahead passes, 61s ahead fails', async () => {
    const f = filterWith();
    const at = async (t: Promise<string>) => (await run(f, ctxFor('http://api.example/', { headers: bearer(await t) }))).body;
    expect(await at(sign(rsa, { iss: ISS }, { expIn: -30 }))).toBeUndefined();
    expect(await at(sign(rsa, { iss: ISS }, { expIn: -61 }))).toBe('Jwt is expired');
    expect(await at(sign(rsa, { iss: ISS }, { nbfIn: 50 }))).toBeUndefined();
    expect(await at(sign(rsa, { iss: ISS }, { nbfIn: 61 }))).toBe('Jwt not yet valid');
  });

  test('time comes from ctx.rt, not the wall clock', async () => {
    const rt = testRuntime(1, START);
    const f = filterWith();
    const token = await sign(rsa, { iss: ISS }, { expIn: 100 });
    expect((await run(f, ctxFor('http://api.example/', { headers: bearer(token) }, rt))).res).toBeUndefined();
    rt.advance(200_000);
    expect((await run(f, ctxFor('http://api.example/', { headers: bearer(token) }, rt))).body).toBe('Jwt is expired');
  });
});

describe('CORS preflight', () => {
  test('OPTIONS with Origin and Access-Control-Request-Method skips verification even with a bad token', async () => {
    const token = await sign(rsa, { iss: ISS }, { expIn: -3600 });
    const { res } = await run(filterWith(), ctxFor('http://api.example/', { method: 'OPTIONS', headers: { ...bearer(token), origin: 'https://app.example', 'access-control-request-method': 'GET' } }));
    expect(res).toBeUndefined();
  });

  test('OPTIONS without Origin is verified', async () => {
    const token = await sign(rsa, { iss: ISS }, { expIn: -3600 });
    const { res, body } = await run(filterWith(), ctxFor('http://api.example/', { method: 'OPTIONS', headers: bearer(token) }));
    expect([res?.status, body]).toEqual([401, 'Jwt is expired']);
  });
});

describe('several rules (Istio: P0 OR P1 OR AND(P0|missing, P1|missing))', () => {
  const two = () => compileJwtAuthn(config({
    'origins-0': { issuer: 'iss-a', local_jwks: { inline_string: jwks(rsa) }, payload_in_metadata: 'iss-a' },
    'origins-1': { issuer: 'iss-b', local_jwks: { inline_string: jwks(ec) }, payload_in_metadata: 'iss-b', from_headers: [{ name: 'x-b-token' }] },
  }, istio(2)));

  test('each issuer verifies in its own location; an unknown issuer is 401', async () => {
    const f = two();
    const a = await run(f, ctxFor('http://api.example/', { headers: bearer(await sign(rsa, { iss: 'iss-a', sub: 'u1' })) }));
    expect(a.res).toBeUndefined();
    expect(a.ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss-a/u1');
    const b = await run(f, ctxFor('http://api.example/', { headers: { 'x-b-token': await sign(ec, { iss: 'iss-b', sub: 'u2' }) } }));
    expect(b.res).toBeUndefined();
    expect(b.ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss-b/u2');
    expect(b.ctx.headers.has('x-b-token')).toBe(false);
    const c = await run(f, ctxFor('http://api.example/', { headers: bearer(await sign(rsa, { iss: 'iss-z' })) }));
    expect([c.res?.status, c.body]).toEqual([401, 'Jwt issuer is not configured']);
  });

  test("a token of one issuer in the other's location is refused: its issuer is not configured there", async () => {
    const f = two();
    const { res, body, ctx } = await run(f, ctxFor('http://api.example/', { headers: { 'x-b-token': await sign(rsa, { iss: 'iss-a' }) } }));
    expect([res?.status, body]).toEqual([401, 'Jwt issuer is not configured']);
    expect(ctx.metadata).toEqual({});
  });

  test('two valid tokens in two locations pass (the first provider that verifies gives the principal)', async () => {
    const f = two();
    const { res, ctx } = await run(f, ctxFor('http://api.example/', { headers: { ...bearer(await sign(rsa, { iss: 'iss-a', sub: 'u1' })), 'x-b-token': await sign(ec, { iss: 'iss-b', sub: 'u2' }) } }));
    expect(res).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss-a/u1');
  });

  test('one provider, valid tokens in its header and its query parameter: the header token gives the principal and the payload', async () => {
    // Envoy verifies the extracted tokens last to first (headers come first) and each verified
    // payload overwrites the last: the header token's is the one left.
    const f = filterWith();
    const header = await sign(rsa, { iss: ISS, sub: 'alice' });
    const param = await sign(ec, { iss: ISS, sub: 'bob' });
    const { res, ctx } = await run(f, ctxFor(`http://api.example/?access_token=${param}`, { headers: bearer(header) }));
    expect(res).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe(`${ISS}/alice`);
    expect((ctx.metadata['envoy.filters.http.jwt_authn'] as Record<string, Record<string, unknown>>)[ISS]!.sub).toBe('alice');
  });

  test('an expired token for the second provider fails even without a token for the first', async () => {
    const f = two();
    const { res, body } = await run(f, ctxFor('http://api.example/', { headers: { 'x-b-token': await sign(ec, { iss: 'iss-b' }, { expIn: -3600 }) } }));
    expect([res?.status, body]).toEqual([401, 'Jwt is expired']);
  });
});
