import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import type { FilterContext } from '../../../../../src/gateway/filters/chain.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import type { Route } from '../../../../../src/xds/resources/route.ts';
import { JWT_AUTHN_TYPE, type JwtProvider, type JwtRequirement } from '../../../../../src/xds/filters/jwt-authn.ts';

// Real keys and tokens for the jwt_authn data-plane tests: nothing about verification is mocked.

export const START = 1_800_000_000_000;

export interface TestKey {
  alg: 'RS256' | 'ES256';
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
  /** Private members, to check they never leak. */
  privateJwk: JWK;
}

export async function makeKey(alg: 'RS256' | 'ES256', kid: string): Promise<TestKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk, privateJwk: await exportJWK(privateKey) };
}

export const jwks = (...keys: TestKey[]) => JSON.stringify({ keys: keys.map((k) => k.publicJwk) });

/** A token signed with `key`; times in seconds relative to START unless given. */
export async function sign(key: TestKey, claims: JWTPayload, opts: { kid?: string | null; expIn?: number | null; nbfIn?: number } = {}): Promise<string> {
  const now = Math.floor(START / 1000);
  const header = { alg: key.alg, typ: 'JWT', ...(opts.kid === null ? {} : { kid: opts.kid ?? key.kid }) };
  const body: JWTPayload = { iat: now, ...(opts.expIn === null ? {} : { exp: now + (opts.expIn ?? 3600) }), ...(opts.nbfIn !== undefined ? { nbf: now + opts.nbfIn } : {}), ...claims };
  return new SignJWT(body).setProtectedHeader(header).sign(key.privateKey);
}

export function config(providers: Record<string, JwtProvider>, requires?: JwtRequirement, extra: Record<string, unknown> = {}) {
  return {
    '@type': JWT_AUTHN_TYPE,
    providers,
    ...(requires ? { rules: [{ match: { prefix: '/' }, requires }] } : {}),
    bypass_cors_preflight: true,
    ...extra,
  };
}

/** Istio's requirement for providers origins-0..n-1. */
export function istio(n: number): JwtRequirement {
  const opt = (i: number): JwtRequirement => ({ requires_any: { requirements: [{ provider_name: `origins-${i}` }, { allow_missing: {} }] } });
  if (n === 1) return opt(0);
  const names = [...Array(n).keys()];
  return { requires_any: { requirements: [...names.map((i) => ({ provider_name: `origins-${i}` })), { requires_all: { requirements: names.map(opt) } }] } };
}

export function ctxFor(url: string, init: { method?: string; headers?: Record<string, string>; route?: Route } = {}, rt = testRuntime(1, START)): FilterContext {
  const request = new Request(url, { method: init.method ?? 'GET', headers: init.headers ?? {} });
  const u = new URL(url);
  return {
    request,
    headers: new Headers(request.headers),
    path: u.pathname,
    query: u.search.slice(1),
    method: request.method,
    scheme: u.protocol === 'https:' ? 'https' : 'http',
    authority: u.host,
    port: 80,
    clientIp: '203.0.113.9',
    metadata: {},
    env: {},
    rt,
    waitUntil: () => {},
    ...(init.route ? { route: init.route } : {}),
  };
}
