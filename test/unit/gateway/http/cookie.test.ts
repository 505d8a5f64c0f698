import { describe, expect, test } from 'vitest';
import { cookieValue } from '../../../../src/gateway/http/cookie.ts';

describe('cookieValue (Envoy parseCookieValue)', () => {
  test('names trimmed and exact, first wins, double quotes removed', () => {
    expect(cookieValue(null, 'a')).toBeUndefined();
    expect(cookieValue('a=1; b=2', 'b')).toBe('2');
    expect(cookieValue(' a = 1 ;a=2', 'a')).toBe('1');
    expect(cookieValue('session="abc"; x=y', 'session')).toBe('abc');
    expect(cookieValue('s="', 's')).toBe('"');
    expect(cookieValue('A=1', 'a')).toBeUndefined();
    expect(cookieValue('ab=1; b', 'b')).toBeUndefined();
    expect(cookieValue('x=a=b', 'x')).toBe('a=b');
    expect(cookieValue('x=', 'x')).toBe('');
  });
});
