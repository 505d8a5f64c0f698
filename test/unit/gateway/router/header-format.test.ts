import { describe, expect, test } from 'vitest';
import { compileHeaderValue, type FormatContext } from '../../../../src/gateway/router/header-format.ts';
import { applyHeaderOps, compileHeaderOps } from '../../../../src/gateway/router/header-ops.ts';
import { HeaderMap } from '../../../../src/gateway/http/header-map.ts';

// Envoy's header value formatter: %% is a literal %, %COMMAND% is evaluated per request.
const ctx = (req: Record<string, string>, resp?: Record<string, string>): FormatContext => ({
  clientIp: '203.0.113.9',
  request: { headers: HeaderMap.from(new Headers(req)), path: '/p', query: 'q=1', method: 'POST', scheme: 'https' },
  ...(resp ? { response: { headers: HeaderMap.from(new Headers(resp)), status: 201 } } : {}),
});
const run = (value: string, c: FormatContext) => {
  const v = compileHeaderValue(value);
  return typeof v === 'string' ? v : v(c);
};

describe('header value formatter', () => {
  test('a value without commands stays a plain string; %% is a literal %', () => {
    expect(compileHeaderValue('plain')).toBe('plain');
    expect(compileHeaderValue('100%% sure')).toBe('100% sure');
  });

  test('REQ(X?Y):Z, RESP, :authority, client address commands', () => {
    const c = ctx({ host: 'shop.example.com', 'x-user': 'jason', 'x-alt': 'alt' }, { 'x-up': 'v1' });
    expect(run('user=%REQ(x-user)%', c)).toBe('user=jason');
    expect(run('%REQ(x-missing?x-alt)%', c)).toBe('alt');
    expect(run('%REQ(X-User):3%', c)).toBe('jas');
    expect(run('%REQ(:authority)% %REQ(:path)% %REQ(:method)% %REQ(:scheme)% %RESP(:status)%', c)).toBe('shop.example.com /p?q=1 POST https 201');
    expect(run('%RESP(x-up)%', c)).toBe('v1');
    expect(run('%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%|%DOWNSTREAM_REMOTE_ADDRESS%', c)).toBe('203.0.113.9|203.0.113.9');
    expect(run('%START_TIME%', c)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });

  test('a command meshgate does not evaluate is empty; unterminated syntax fails compilation (NACK)', () => {
    expect(run('%HOSTNAME%', ctx({}))).toBe('');
    expect(() => compileHeaderValue('%REQ(x')).toThrow(/un-terminated/);
    expect(() => compileHeaderValue('%REQ(:status)%')).toThrow(/not a request pseudo-header/);
  });

  test('header operations: every formatted value is computed against the headers after removals, then written (Envoy evaluateHeaders); empty ones are not added', () => {
    const ops = compileHeaderOps(
      [
        { header: { key: 'x-user', value: 'replaced' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-copy', value: '%REQ(x-user)%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-none', value: '%REQ(x-missing)%' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
        { header: { key: 'x-empty', value: '' }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      ],
      undefined,
    );
    const h = HeaderMap.from(new Headers({ 'x-user': 'jason' }));
    applyHeaderOps(ops, h, { headers: h, path: '/', query: '', method: 'GET', scheme: 'http' }, '198.51.100.1');
    expect([h.get('x-copy'), h.get('x-user'), h.has('x-none'), h.has('x-empty')]).toEqual(['jason', 'replaced', false, false]);
  });

  test('an empty static value is never added, with or without formatted siblings', () => {
    const h = HeaderMap.from(new Headers());
    applyHeaderOps(compileHeaderOps([{ header: { key: 'x-empty', value: '' }, append_action: 'APPEND_IF_EXISTS_OR_ADD' }], undefined), h);
    expect(h.has('x-empty')).toBe(false);
  });
});
