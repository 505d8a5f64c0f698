import { describe, expect, test } from 'vitest';
import { compileHashPolicy } from '../../../../src/gateway/router/hash-policy.ts';
import { HeaderMap } from '../../../../src/gateway/http/header-map.ts';
import { testRuntime } from '../../../../src/gateway/runtime.ts';

const req = (headers: Record<string, string>, query = '', sourceIp = '198.51.100.7') => ({ headers: HeaderMap.from(new Headers(headers)), query, sourceIp });

describe('route hash policies (Istio consistentHash)', () => {
  test('a quoted cookie hashes like the bare value (Envoy parseCookieValue)', () => {
    const h = compileHashPolicy([{ cookie: { name: 'session' } }])!;
    expect(h(req({ cookie: 'a=1; session="abc"' }), testRuntime()).key).toBe('abc');
    expect(h(req({ cookie: 'session=abc' }), testRuntime()).key).toBe('abc');
  });
  test('a query parameter is read as route matching reads it (Envoy parseQueryString): as sent, first wins', () => {
    const h = compileHashPolicy([{ query_parameter: { name: 'user' } }])!;
    expect(h(req({}, 'user=a+b&user=c'), testRuntime()).key).toBe('a+b');
    expect(h(req({}, 'user=a%20b'), testRuntime()).key).toBe('a%20b');
    expect(h(req({}, 'x=1'), testRuntime()).key).toBeUndefined();
  });
  test('a cookie with a ttl is generated when absent, with path, max-age and the configured attributes', () => {
    const h = compileHashPolicy([{ cookie: { name: 'lb', ttl: '60s', path: '/app', attributes: [{ name: 'SameSite', value: 'Strict' }, { name: 'Secure' }] } }])!;
    const r = h(req({}), testRuntime(5));
    expect(r.key).toMatch(/^[0-9a-f]{32}$/);
    expect(r.setCookie).toBe(`lb="${r.key}"; Max-Age=60; Path=/app; SameSite=Strict; Secure; HttpOnly`);
  });
  test('Envoy makeSetCookieValue: a sub-second ttl makes a session cookie (no Max-Age); no Path unless configured', () => {
    for (const ttl of ['0.5s', '0s']) {
      const r = compileHashPolicy([{ cookie: { name: 'lb', ttl } }])!(req({}), testRuntime(5));
      expect(r.setCookie).toBe(`lb="${r.key}"; HttpOnly`);
    }
    const r = compileHashPolicy([{ cookie: { name: 'lb', ttl: '1.9s' } }])!(req({}), testRuntime(5));
    expect(r.setCookie).toBe(`lb="${r.key}"; Max-Age=1; HttpOnly`);
  });
  test('an empty cookie value counts as absent: generated when there is a ttl, else no key', () => {
    const gen = compileHashPolicy([{ cookie: { name: 'lb', ttl: '60s' } }])!(req({ cookie: 'lb=' }), testRuntime(5));
    expect(gen.key).toMatch(/^[0-9a-f]{32}$/);
    expect(gen.setCookie).toBeDefined();
    expect(compileHashPolicy([{ cookie: { name: 'lb' } }])!(req({ cookie: 'lb=""' }), testRuntime(5)).key).toBeUndefined();
  });
  test('a cookie attribute that would inject into Set-Cookie fails compilation (NACK)', () => {
    expect(() => compileHashPolicy([{ cookie: { name: 'lb', ttl: '1s', attributes: [{ name: 'SameSite', value: 'Lax; Domain=evil.example' }] } }])).toThrow(/cannot be written into Set-Cookie/);
    expect(() => compileHashPolicy([{ cookie: { name: 'lb', ttl: '1s', attributes: [{ name: 'Bad Name' }] } }])).toThrow(/cannot be written/);
  });
  test('header and source IP', () => {
    const h = compileHashPolicy([{ header: { header_name: 'x-user' } }, { connection_properties: { source_ip: true } }])!;
    expect(h(req({ 'x-user': 'u1' }), testRuntime()).key).toBe('u1');
    expect(h(req({}), testRuntime()).key).toBe('198.51.100.7');
  });
});
