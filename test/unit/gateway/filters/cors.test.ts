import { describe, expect, test } from 'vitest';
import { answerPreflight, compileCors, decorateResponse, isPreflight } from '../../../../src/gateway/filters/cors.ts';
import { CORS_POLICY_TYPE } from '../../../../src/xds/filters/cors.ts';

// Envoy's CORS filter (cors_filter.cc isOriginAllowed): an origin is allowed when a matcher
// matches it, or when a matcher matches the literal "*".
const policy = (origins: object[]) => compileCors({ '@type': CORS_POLICY_TYPE, allow_origin_string_match: origins, allow_methods: 'GET,POST' });
const preflight = (origin: string) =>
  new Request('http://shop.example.com/', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });

describe('CORS allowed origins', () => {
  test('exact "*" allows any origin and echoes it', () => {
    const c = policy([{ exact: '*' }]);
    expect(c.allowed('https://a.example')).toBe(true);
    const res = answerPreflight(c, preflight('https://a.example'))!;
    expect(res.headers.get('access-control-allow-origin')).toBe('https://a.example');
    expect(res.headers.get('access-control-allow-methods')).toBe('GET,POST');
    const h = new Headers();
    decorateResponse(c, 'https://b.example', h);
    expect(h.get('access-control-allow-origin')).toBe('https://b.example');
  });

  test('any matcher that matches "*" allows any origin (here a regex for the literal star)', () => {
    expect(policy([{ safe_regex: { regex: '[*]' } }]).allowed('https://x.test')).toBe(true);
  });

  test('other matchers allow only what they match', () => {
    const c = policy([{ exact: 'https://a.example' }, { prefix: 'https://app.' }]);
    expect(c.allowed('https://a.example')).toBe(true);
    expect(c.allowed('https://app.shop.test')).toBe(true);
    expect(c.allowed('https://evil.test')).toBe(false);
    expect(c.allowed('*')).toBe(false);
    expect(answerPreflight(c, preflight('https://evil.test'))).toBeUndefined(); // forwarded (default)
  });
});

describe('preflights (cors_filter.cc decodeHeaders)', () => {
  test('not forwarded (unmatchedPreflights: IGNORE), a disallowed origin gets the answer without allow-origin', () => {
    const c = compileCors({ '@type': CORS_POLICY_TYPE, allow_origin_string_match: [{ exact: 'https://a.example' }], allow_methods: 'GET', allow_headers: 'x-a', max_age: '60', allow_credentials: true, forward_not_matching_preflights: false });
    const res = answerPreflight(c, preflight('https://evil.test'))!;
    expect([...res.headers]).toEqual([
      ['access-control-allow-credentials', 'true'],
      ['access-control-allow-headers', 'x-a'],
      ['access-control-allow-methods', 'GET'],
      ['access-control-max-age', '60'],
    ]);
  });

  test('an empty Origin or Access-Control-Request-Method is not a preflight: it is forwarded', () => {
    const req = (origin: string, method: string) => new Request('http://shop.example.com/', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method } });
    expect([isPreflight(req('', 'GET')), isPreflight(req('https://a.example', '')), isPreflight(req('https://a.example', 'GET'))]).toEqual([false, false, true]);
  });
});
