import fc from 'fast-check';
import { RE2JS } from 're2js';
import { describe, expect, test } from 'vitest';
import { splitRegexAtLiteral } from '../../../../src/gateway/routing/index.ts';

// Matching the literal and the rest apart must be exactly RE2's full match of the whole pattern.
const fullMatch = (pattern: string, path: string) => RE2JS.compile(pattern).matches(path);
function splitMatch(pattern: string, path: string): boolean {
  const s = splitRegexAtLiteral(pattern);
  if (!s) return fullMatch(pattern, path);
  return path.startsWith(s.literal) && RE2JS.compile(s.rest).matches(path.slice(s.literal.length));
}

describe('splitRegexAtLiteral', () => {
  test('splits a literal start from the rest', () => {
    expect(splitRegexAtLiteral('/api/svc-1/items/[0-9]+')).toEqual({ literal: '/api/svc-1/items/', rest: '[0-9]+' });
    expect(splitRegexAtLiteral('^/abc$')).toEqual({ literal: '/abc', rest: '$' });
    expect(splitRegexAtLiteral('/exact')).toEqual({ literal: '/exact', rest: '' });
    expect(splitRegexAtLiteral('/users/[^/]+/orders')).toEqual({ literal: '/users/', rest: '[^/]+/orders' });
    expect(splitRegexAtLiteral('/a/[]x]+')).toEqual({ literal: '/a/', rest: '[]x]+' });
    expect(splitRegexAtLiteral('/a/[[:digit:]]+')).toEqual({ literal: '/a/', rest: '[[:digit:]]+' });
  });

  test('a repeated last character goes with its repetition', () => {
    expect(splitRegexAtLiteral('/ab+')).toEqual({ literal: '/a', rest: 'b+' });
    expect(splitRegexAtLiteral('/ab*')).toEqual({ literal: '/a', rest: 'b*' });
    expect(splitRegexAtLiteral('/ab{2}')).toEqual({ literal: '/a', rest: 'b{2}' });
    expect(splitRegexAtLiteral('a+')).toBeUndefined();
  });

  test('does not split what could see behind the split, or has no literal start', () => {
    for (const p of ['/a\\b.*', '/a\\B.*', '/a^.*', '/a(^x)?', '/a\\Ax', '/a\\Q^\\E', '\\[^a]', '(?i)/a', '/a|/b', '.*', '/a/[^/', '/é/[0-9]+']) {
      expect(splitRegexAtLiteral(p), p).toBeUndefined();
    }
  });

  test('property: split matching equals RE2 full matching', () => {
    const lit = fc.constantFrom('/', '/a', '/api/', '/v1/x', '/a-b.', 'a');
    const part = fc.constantFrom('[0-9]+', '[^/]+', '.*', 'b+', 'b*', 'b?', 'b{2}', '(/.*)?', '$', '\\b', '\\B', '^', '(?i)B', '[]b]', '[[:alpha:]]+', '/x', 'x|y', '(x|y)', '(b|[|])+', '\\|', '\\d', '\\.', '');
    const pattern = fc.tuple(fc.boolean(), lit, fc.array(part, { maxLength: 3 })).map(([caret, l, ps]) => `${caret ? '^' : ''}${l}${ps.join('')}`);
    const path = fc.tuple(lit, fc.array(fc.constantFrom('', 'b', 'bb', 'B', '/', '1', '22', 'x', 'y', '.', ']', 'a'), { maxLength: 4 })).map(([l, ps]) => `${l}${ps.join('')}`);
    fc.assert(
      fc.property(pattern, fc.array(path, { minLength: 1, maxLength: 8 }), (p, paths) => {
        let valid = true;
        try {
          RE2JS.compile(p);
        } catch {
          valid = false;
        }
        fc.pre(valid);
        for (const x of paths) expect(splitMatch(p, x), `${p} on ${x}`).toBe(fullMatch(p, x));
      }),
      { numRuns: 1000 },
    );
  });
});
