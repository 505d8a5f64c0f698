import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { firstQueryValue, removeQueryParam } from '../../../../src/gateway/http/query.ts';

describe('firstQueryValue', () => {
  test('first value wins, percent-decoded, `+` kept, bare names are empty values', () => {
    expect(firstQueryValue('', 'a')).toBeUndefined();
    expect(firstQueryValue('&&a=1=2', 'a')).toBe('1=2');
    expect(firstQueryValue('a=%zz', 'a')).toBe('%zz');
    expect(firstQueryValue('a=1&a=2', 'a')).toBe('1');
    expect(firstQueryValue('b&a', 'a')).toBe('');
    expect(firstQueryValue('%61=x%20y', 'a')).toBe('x y');
    expect(firstQueryValue('a=x+y', 'a')).toBe('x+y');
    expect(firstQueryValue('ab=1', 'a')).toBeUndefined();
  });
  test('decode false (route matching, Envoy parseQueryString): names and values as sent', () => {
    expect(firstQueryValue('%61=1&a=x%20y', 'a', false)).toBe('x%20y');
    expect(firstQueryValue('a=x%20y', 'a', false)).toBe('x%20y');
    expect(firstQueryValue('%61=1', 'a', false)).toBeUndefined();
    expect(firstQueryValue('b&a', 'a', false)).toBe('');
  });
  test('agrees with a split-then-decode reference model', () => {
    const dec = (s: string) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return undefined;
      }
    };
    const part = fc.string({ unit: fc.constantFrom('a', 'b', '=', '&', '+', '%41', '%2B', 'x') });
    fc.assert(
      fc.property(part, fc.constantFrom('a', 'b', 'ab', 'A', '+'), (q, name) => {
        if (q.split('&').some((p) => dec(p) === undefined)) return; // the model does not cover broken escapes
        let want: string | undefined;
        for (const p of q.split('&')) {
          if (!p) continue;
          const eq = p.indexOf('=');
          if (dec(eq < 0 ? p : p.slice(0, eq)) === name) {
            want = eq < 0 ? '' : dec(p.slice(eq + 1));
            break;
          }
        }
        expect(firstQueryValue(q, name)).toBe(want);
      }),
    );
  });
});

describe('removeQueryParam', () => {
  test('drops every pair with the (decoded) name and empty pairs, keeps the rest in order', () => {
    expect(removeQueryParam('access_token=t&x=1&access%5Ftoken=u&&y', 'access_token')).toBe('x=1&y');
    expect(removeQueryParam('x=1', 'access_token')).toBe('x=1');
    expect(removeQueryParam('', 'a')).toBe('');
  });
});
