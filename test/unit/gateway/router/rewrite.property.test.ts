import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compilePathRewrite } from '../../../../src/gateway/router/rewrite.ts';
import type { Route } from '../../../../src/xds/resources/route.ts';

// Rewrites against a reference model (plain string operations, obviously right):
// - prefix_rewrite on a prefix route replaces exactly the matched prefix (Envoy), also when the
//   route is case-insensitive;
// - prefix_rewrite on an exact `path` route replaces the whole path;
// - regex_rewrite with a literal pattern replaces every occurrence, and `\1` refers to the group.
const seg = fc.stringMatching(/^[a-z0-9._-]{1,6}$/);
const path = fc.array(seg, { minLength: 0, maxLength: 5 }).map((s) => `/${s.join('/')}`);

describe('path rewrites (property)', () => {
  test('prefix_rewrite replaces the matched prefix only', () => {
    fc.assert(
      fc.property(path, path, path, fc.boolean(), (prefix, rest, replacement, caseInsensitive) => {
        const route: Route = { match: { prefix, ...(caseInsensitive ? { case_sensitive: false } : {}) }, route: { cluster: 'c', prefix_rewrite: replacement } };
        const rw = compilePathRewrite(route)!;
        const request = (caseInsensitive ? prefix.toUpperCase() : prefix) + rest;
        expect(rw(request)).toBe(replacement + rest);
      }),
      { numRuns: 300 },
    );
  });

  test('prefix_rewrite on an exact path route replaces the whole path', () => {
    fc.assert(
      fc.property(path, path, (p, replacement) => {
        const rw = compilePathRewrite({ match: { path: p }, route: { cluster: 'c', prefix_rewrite: replacement } })!;
        expect(rw(p)).toBe(replacement);
      }),
      { numRuns: 200 },
    );
  });

  test('prefix_rewrite on a safe_regex route replaces the whole path (Istio: the entire URI)', () => {
    fc.assert(
      fc.property(path, path, (p, replacement) => {
        const rw = compilePathRewrite({ match: { safe_regex: { regex: '/.*' } }, route: { cluster: 'c', prefix_rewrite: replacement } })!;
        expect(rw(p)).toBe(replacement);
      }),
      { numRuns: 200 },
    );
    const rw = compilePathRewrite({ match: { safe_regex: { regex: '/api/.*' } }, route: { cluster: 'c', prefix_rewrite: '/v2' } })!;
    expect(rw('/api/foo')).toBe('/v2');
  });

  test('regex_rewrite with a literal pattern equals replaceAll; groups substitute with \\1', () => {
    fc.assert(
      fc.property(seg, path, seg, (needle, p, replacement) => {
        const literal = needle.replace(/[.]/g, '\\.');
        const rw = compilePathRewrite({ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: literal }, substitution: replacement } } })!;
        expect(rw(p)).toBe(p.split(needle).join(replacement));
        const grouped = compilePathRewrite({ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex: `^/(${literal})(.*)$` }, substitution: '/x/\\1\\2' } } })!;
        const input = `/${needle}${p}`;
        expect(grouped(input)).toBe(`/x/${needle}${p}`);
      }),
      { numRuns: 200 },
    );
  });

  // RE2::GlobalReplace (what Envoy's regex_rewrite runs), not a Java-style replaceAll.
  const regexRewrite = (regex: string, substitution: string) => compilePathRewrite({ match: { prefix: '/' }, route: { cluster: 'c', regex_rewrite: { pattern: { regex }, substitution } } })!;

  test('regex_rewrite: an empty match right after a match is skipped, so (.*) rewrites the path once', () => {
    fc.assert(
      fc.property(path, (p) => {
        expect(regexRewrite('(.*)', '/p\\1')(p)).toBe(`/p${p}`);
        expect(regexRewrite('^(.*)$', '\\0\\0')(p)).toBe(p + p);
      }),
      { numRuns: 200 },
    );
    expect(regexRewrite('a*', 'X')('baaa')).toBe('XbX');
    expect(regexRewrite('x*', '-')('/ab')).toBe('-/-a-b-');
  });

  test('regex_rewrite: \\0 is the whole match, \\\\ a backslash; other escapes and missing groups fail compilation (NACK)', () => {
    expect(regexRewrite('o', '[\\0]')('/foo')).toBe('/f[o][o]');
    expect(regexRewrite('^/(v\\d)/(.*)$', '/\\2\\\\\\1')('/v1/x')).toBe('/x\\v1');
    expect(regexRewrite('z', 'y')('/foo')).toBe('/foo');
    expect(() => regexRewrite('(a)', '\\2')).toThrow(/refers to group \\2, but the pattern has 1/);
    expect(() => regexRewrite('a', '\\n')).toThrow(/invalid escape/);
  });
});
