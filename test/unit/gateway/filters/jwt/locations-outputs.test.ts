import { beforeAll, describe, expect, test } from 'vitest';
import { compileJwtAuthn } from '../../../../../src/gateway/filters/jwt-authn.ts';
import { compileHttpFilters } from '../../../../../src/gateway/filters/chain.ts';
import '../../../../../src/gateway/filters/registry.ts';
import type { Route } from '../../../../../src/xds/resources/route.ts';
import { JWT_AUTHN_PER_ROUTE_TYPE } from '../../../../../src/xds/filters/jwt-authn.ts';
import { config, ctxFor, istio, jwks, makeKey, sign, type TestKey } from './helpers.ts';

// Token locations (headers with prefix, params, cookies, the defaults), what a verified token
// leaves for upstream (stripping, payload and claim headers), and per-route requirements.

let key: TestKey;
beforeAll(async () => {
  key = await makeKey('RS256', 'k');
});
const ISS = 'iss';
const prov = (extra: Record<string, unknown> = {}) => ({ issuer: ISS, local_jwks: { inline_string: jwks(key) }, payload_in_metadata: ISS, ...extra });
const one = (extra: Record<string, unknown> = {}) => compileJwtAuthn(config({ 'origins-0': prov(extra) }, istio(1)));

describe('token locations', () => {
  test('default: ?access_token= when there is no Authorization header; removed from the query, other parameters kept', async () => {
    const token = await sign(key, { iss: ISS, sub: 's' });
    const ctx = ctxFor(`http://h/p?a=1&access_token=${token}&b=2`);
    expect(await one().onRequest(ctx)).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss/s');
    expect(ctx.query).toBe('a=1&b=2');
  });

  test('fromHeaders with a prefix: the token follows the prefix; the header is removed', async () => {
    const token = await sign(key, { iss: ISS, sub: 's' });
    const f = one({ from_headers: [{ name: 'x-auth', value_prefix: 'Token ' }] });
    const ctx = ctxFor('http://h/', { headers: { 'x-auth': `Token ${token}` } });
    expect(await f.onRequest(ctx)).toBeUndefined();
    expect(ctx.metadata.istio_authn).toBeDefined();
    expect(ctx.headers.has('x-auth')).toBe(false);
    // Without the prefix the header holds no token for this rule.
    const ctx2 = ctxFor('http://h/', { headers: { 'x-auth': token } });
    expect(await f.onRequest(ctx2)).toBeUndefined();
    expect(ctx2.metadata).toEqual({});
  });

  test('fromHeaders without prefix: the whole value is the token', async () => {
    const token = await sign(key, { iss: ISS, sub: 's' });
    const ctx = ctxFor('http://h/', { headers: { 'x-jwt-assertion': token } });
    expect(await one({ from_headers: [{ name: 'x-jwt-assertion' }] }).onRequest(ctx)).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss/s');
  });

  test('fromParams: only the configured parameter; access_token is then not a location', async () => {
    const token = await sign(key, { iss: ISS, sub: 's' });
    const f = one({ from_params: ['jwt'] });
    const ctx = ctxFor(`http://h/?jwt=${token}`);
    expect(await f.onRequest(ctx)).toBeUndefined();
    expect(ctx.metadata.istio_authn).toBeDefined();
    expect(ctx.query).toBe('');
    const ctx2 = ctxFor(`http://h/?access_token=${token}`);
    expect(await f.onRequest(ctx2)).toBeUndefined();
    expect(ctx2.metadata).toEqual({});
    expect(ctx2.query).toBe(`access_token=${token}`);
  });

  test('fromCookies: the token is read from the cookie (and, as in Envoy, the cookie is kept)', async () => {
    const token = await sign(key, { iss: ISS, sub: 's' });
    const ctx = ctxFor('http://h/', { headers: { cookie: `a=b; session=${token}; c=d` } });
    expect(await one({ from_cookies: ['session'] }).onRequest(ctx)).toBeUndefined();
    expect(ctx.metadata.istio_authn?.['request.auth.principal']).toBe('iss/s');
    const bad = ctxFor('http://h/', { headers: { cookie: `session=${await sign(key, { iss: ISS }, { expIn: -999 })}` } });
    const res = await one({ from_cookies: ['session'] }).onRequest(bad);
    expect(res?.status).toBe(401);
  });
});

describe('outputs', () => {
  test('outputPayloadToHeader carries the token payload segment (base64url JSON)', async () => {
    const token = await sign(key, { iss: ISS, sub: 's', n: 1 });
    const ctx = ctxFor('http://h/', { headers: { authorization: `Bearer ${token}`, 'x-jwt-payload': 'forged' } });
    expect(await one({ forward_payload_header: 'x-jwt-payload' }).onRequest(ctx)).toBeUndefined();
    expect(ctx.headers.get('x-jwt-payload')).toBe(token.split('.')[1]);
    expect(JSON.parse(Buffer.from(ctx.headers.get('x-jwt-payload')!, 'base64url').toString())).toMatchObject({ iss: ISS, sub: 's', n: 1 });
  });

  test('outputClaimToHeaders: strings, numbers, booleans, nested; missing or non-scalar ⇒ removed; client values overwritten', async () => {
    const f = one({
      claim_to_headers: [
        { header_name: 'x-sub', claim_name: 'sub' },
        { header_name: 'x-num', claim_name: 'num' },
        { header_name: 'x-frac', claim_name: 'frac' },
        { header_name: 'x-admin', claim_name: 'admin' },
        { header_name: 'x-team', claim_name: 'org.team.name' },
        { header_name: 'x-missing', claim_name: 'nope' },
        { header_name: 'x-list', claim_name: 'groups' },
      ],
    });
    const token = await sign(key, { iss: ISS, sub: 'alice', num: 42, frac: 1.5, admin: false, org: { team: { name: 'core' } }, groups: ['a'] });
    const ctx = ctxFor('http://h/', { headers: { authorization: `Bearer ${token}`, 'x-sub': 'mallory', 'x-missing': 'forged', 'x-list': 'forged' } });
    expect(await f.onRequest(ctx)).toBeUndefined();
    expect(Object.fromEntries(['x-sub', 'x-num', 'x-frac', 'x-admin', 'x-team', 'x-missing', 'x-list'].map((h) => [h, ctx.headers.get(h)]))).toEqual({
      'x-sub': 'alice', 'x-num': '42', 'x-frac': '1.500000', 'x-admin': 'false', 'x-team': 'core', 'x-missing': null, 'x-list': null,
    });
  });

  test('claim and payload headers sent by a client without a token are removed', async () => {
    const ctx = ctxFor('http://h/', { headers: { 'x-sub': 'mallory', 'x-jwt-payload': 'forged' } });
    expect(await one({ forward_payload_header: 'x-jwt-payload', claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }] }).onRequest(ctx)).toBeUndefined();
    expect([ctx.headers.get('x-sub'), ctx.headers.get('x-jwt-payload')]).toEqual([null, null]);
  });
});

describe('per-route requirement (destination-scoped policies)', () => {
  const route = (perRoute: Record<string, unknown>): Route => ({ match: { prefix: '/' }, route: { cluster: 'c' }, typed_per_filter_config: { 'envoy.filters.http.jwt_authn': { '@type': JWT_AUTHN_PER_ROUTE_TYPE, ...perRoute } } }) as Route;

  test('requirement_name selects a requirement_map entry instead of the listener rule', async () => {
    const other = await makeKey('ES256', 'o');
    const f = compileJwtAuthn(config(
      { 'origins-0': prov(), 'origins-1': { issuer: 'dest', local_jwks: { inline_string: jwks(other) }, payload_in_metadata: 'dest' } },
      { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } },
      { requirement_map: { 'meshgate.destination:ns/p': istio(2) } },
    ));
    const destToken = await sign(other, { iss: 'dest', sub: 'd' });
    // At the listener rule the destination's issuer is unknown…
    expect((await f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${destToken}` } })))?.status).toBe(401);
    // …on the route it verifies.
    const ctx = ctxFor('http://h/', { headers: { authorization: `Bearer ${destToken}` }, route: route({ requirement_name: 'meshgate.destination:ns/p' }) });
    expect(await f.onRequest(ctx)).toBeUndefined();
    // The entry is the destination's requirement: the identity is the destination's, not the gateway's.
    expect(ctx.metadata.istio_authn).toBeUndefined();
    const verified = ctx.metadata['meshgate.destination_authn']?.verified as { jwt: { iss: string; sub?: string } }[] | undefined;
    expect(verified?.map((v) => `${v.jwt.iss}/${v.jwt.sub}`)).toEqual(['dest/d']);
  });

  test('disabled skips verification; an unknown name is refused (403, fail closed)', async () => {
    const f = one();
    const expired = await sign(key, { iss: ISS }, { expIn: -999 });
    expect(await f.onRequest(ctxFor('http://h/', { headers: { authorization: `Bearer ${expired}` }, route: route({ disabled: true }) }))).toBeUndefined();
    const res = await f.onRequest(ctxFor('http://h/', { route: route({ requirement_name: 'nope' }) }));
    expect(res?.status).toBe(403);
    expect(await res?.text()).toMatch(/^Failed JWT authentication: Wrong requirement_name: nope/);
  });
});

describe('registration', () => {
  test('the listener chain compiles envoy.filters.http.jwt_authn; a bad config is a compile error (NACK)', async () => {
    const [f] = compileHttpFilters([{ name: 'envoy.filters.http.jwt_authn', typed_config: config({ 'origins-0': prov() }, istio(1)) }]);
    expect(f?.name).toBe('envoy.filters.http.jwt_authn');
    expect(() => compileHttpFilters([{ name: 'envoy.filters.http.jwt_authn', typed_config: config({ 'origins-0': prov() }, istio(2)) }])).toThrow(/origins-1/);
    expect(() => compileHttpFilters([{ name: 'envoy.filters.http.jwt_authn', typed_config: config({ 'origins-0': { issuer: 'x' } }, istio(1)) }])).toThrow(/remote_jwks/);
  });
});

describe('normalize_payload_in_metadata (Istio spaceDelimitedClaims)', () => {
  test('listed top-level string claims become lists in both metadata entries; others and the token are untouched', async () => {
    const token = await sign(key, { iss: ISS, sub: 's', roles: 'admin  dev', nested: { roles: 'a b' }, groups: 'x y' });
    const ctx = ctxFor('http://h/', { headers: { authorization: `Bearer ${token}` } });
    expect(await one({ normalize_payload_in_metadata: { space_delimited_claims: ['roles', 'absent'] } }).onRequest(ctx)).toBeUndefined();
    const claims = ctx.metadata.istio_authn?.['request.auth.claims'] as Record<string, unknown>;
    expect([claims.roles, claims.groups, claims.nested]).toEqual([['admin', 'dev'], 'x y', { roles: 'a b' }]);
    expect((ctx.metadata['envoy.filters.http.jwt_authn'] as Record<string, Record<string, unknown>>)[ISS]!.roles).toEqual(['admin', 'dev']);
  });
});
