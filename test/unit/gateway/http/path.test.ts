import { describe, expect, it } from 'vitest';
import {
  ISTIO_PATH_MODES,
  MESHGATE_PATH_MODE,
  normalizePath,
  pathModeFor,
  pathOfUrl,
  rawPathOf,
  removeDotSegments,
  type PathNormalizationMode,
} from '../../../../src/gateway/http/path.ts';

const ok = (path: string) => ({ ok: true, path });
const rejected = expect.objectContaining({ ok: false, status: 400 });

function check(mode: PathNormalizationMode, input: string, expected: string | 400) {
  const r = normalizePath(input, mode);
  if (expected === 400) expect(r, input).toEqual(rejected);
  else expect(r, input).toEqual(ok(expected));
}

// reference/istio-semantics.md §4.4 — observed outputs from Istio's normalization_test.go.
const NOT_NORMALIZED = ['/admin;a=b', '/public/...;/admin', '/.../', '/%252e/admin', '/%c0%ae/admin', '/0x2e/admin', '/ADMIN'];

describe('`;` parameters on dot segments (Envoy stripParametersFromDotSegments, 2026)', () => {
  it.each([
    ['/public/..;/admin', '/admin'],
    ['/..;foo=bar/abc', '/abc'],
    ['/a/..;p1;p2/b', '/b'],
    ['/a/.;x/b', '/a/b'],
    ['/xyz/..foo', '/xyz/..foo'],
    ['/xyz/...;foo', '/xyz/...;foo'],
    ['/xyz?param=/..;foo', '/xyz?param=/..;foo'],
    // Also once %2e is decoded and \\ made / (stricter than Envoy, which strips before decoding).
    ['/public/%2e%2e;/admin', '/admin'],
    ['/public/.%2e;/admin', '/admin'],
    ['/public\\..;\\admin', '/admin'],
  ])('%s → %s (BASE and meshgate default)', (i, o) => {
    check(ISTIO_PATH_MODES.BASE, i, o);
    check(MESHGATE_PATH_MODE, i, o);
  });
  it('left alone without normalization (NONE)', () => check(ISTIO_PATH_MODES.NONE, '/public/..;/admin', '/public/..;/admin'));
});

describe('normalizePath: Istio modes (§4.4 table)', () => {
  describe('NONE', () => {
    const m = ISTIO_PATH_MODES.NONE;
    it.each([
      ['/app/../admin', '/app/../admin'],
      ['/app//', '/app//'],
      ['/app\\admin', '/app\\admin'],
      ['/app/%2f', '/app/%2f'],
      ['/%41pp', '/%41pp'],
    ])('%s → %s', (i, o) => check(m, i, o));
  });

  describe('BASE (= DEFAULT)', () => {
    const rows: [string, string][] = [
      ['/app/../admin', '/admin'],
      ['/app/%2E./admin', '/admin'],
      ['/xyz%30..//abc', '/xyz0..//abc'],
      ['/app\\admin', '/app/admin'],
      ['/app/%2f', '/app/%2f'],
      ['/app//../admin', '/app/admin'],
    ];
    it.each(rows)('BASE %s → %s', (i, o) => check(ISTIO_PATH_MODES.BASE, i, o));
    it.each(rows)('DEFAULT %s → %s', (i, o) => check(ISTIO_PATH_MODES.DEFAULT, i, o));
    it('keeps // (no merge)', () => check(ISTIO_PATH_MODES.BASE, '/app//', '/app//'));
  });

  describe('MERGE_SLASHES', () => {
    const m = ISTIO_PATH_MODES.MERGE_SLASHES;
    it.each([
      ['/app//', '/app/'],
      ['/app/\\/\\/\\admin', '/app/admin'],
      // BASE rows still hold
      ['/app/../admin', '/admin'],
      ['/app/%2E./admin', '/admin'],
      ['/xyz%30..//abc', '/xyz0../abc'],
      ['/app/%2f', '/app/%2f'],
      ['/app//../admin', '/app/admin'],
    ])('%s → %s', (i, o) => check(m, i, o));
  });

  describe('DECODE_AND_MERGE_SLASHES', () => {
    const m = ISTIO_PATH_MODES.DECODE_AND_MERGE_SLASHES;
    it.each([
      ['/app/%2f', '/app/'],
      ['/%2Fapp%5cadmin%5Cabc', '/app/admin/abc'],
      ['/%c0%2fadmin', '/%c0/admin'],
      ['/app/..%2fadmin', '/admin'],
      ['/public/..%2Fadmin', '/admin'],
    ])('%s → %s', (i, o) => check(m, i, o));
  });

  describe('all modes: not normalized, %00 rejected', () => {
    const modes = { ...ISTIO_PATH_MODES, meshgate: MESHGATE_PATH_MODE };
    for (const [name, m] of Object.entries(modes)) {
      it.each(NOT_NORMALIZED)(`${name}: %s unchanged`, (p) => check(m, p, p));
      it(`${name}: /admin%00 ⇒ 400`, () => check(m, '/admin%00', 400));
    }
  });

  it('authz_test.go TestAuthz_PathNormalization paths (BASE)', () => {
    const m = ISTIO_PATH_MODES.BASE;
    check(m, '/public', '/public');
    check(m, '/public/../public', '/public');
    for (const p of [
      '/public/../private',
      '/public/./../private',
      '/public/.././private',
      '/public/%2E%2E/private',
      '/public/%2e%2e/private',
      '/public/%2E/%2E%2E/private',
      '/public/%2e/%2e%2e/private',
      '/public/%2E%2E/%2E/private',
      '/public/%2e%2e/%2e/private',
    ])
      check(m, p, '/private');
  });
});

describe("normalizePath: meshgate's default (normalize + merge + reject escaped slashes)", () => {
  it.each([
    ['/app/../admin', '/admin'],
    ['/app//', '/app/'],
    ['/app/%2E./admin', '/admin'],
    ['/xyz%30..//abc', '/xyz0../abc'],
    ['/app\\admin', '/app/admin'],
    ['/app//../admin', '/app/admin'],
    ['/app/\\/\\/\\admin', '/app/admin'],
    ['/', '/'],
    ['/a/b/c', '/a/b/c'],
  ] as const)('%s → %s', (i, o) => check(MESHGATE_PATH_MODE, i, o));

  it.each(['/app/%2f', '/app/%2F', '/%2Fapp%5cadmin%5Cabc', '/%c0%2fadmin', '/a%5Cb', '/a%5cb', '/public/..%2fadmin'])(
    '%s ⇒ 400 (escaped slash)',
    (p) => {
      const r = normalizePath(p, MESHGATE_PATH_MODE);
      expect(r).toEqual(rejected);
      if (!r.ok) expect(r.reason).toMatch(/escaped slash/);
    },
  );

  it('is what pathModeFor() gives without a MeshConfig setting', () => {
    expect(pathModeFor()).toBe(MESHGATE_PATH_MODE);
    expect(pathModeFor(null)).toBe(MESHGATE_PATH_MODE);
    expect(pathModeFor('')).toBe(MESHGATE_PATH_MODE);
    expect(pathModeFor('MERGE_SLASHES')).toBe(ISTIO_PATH_MODES.MERGE_SLASHES);
    expect(pathModeFor('NONE')).toBe(ISTIO_PATH_MODES.NONE);
    expect(pathModeFor('bogus')).toBeUndefined();
    expect(pathModeFor('toString')).toBeUndefined();
  });
});

describe('normalizePath: individual settings', () => {
  it('decodes only unreserved escapes', () => {
    check({ normalize_path: true }, '/%41%7a%30%2D%2e%5F%7E', '/Az0-._~');
    // reserved / other escapes stay, with their case
    check({ normalize_path: true }, '/%3F%23%25%20%2f%3b%e2%82%ac', '/%3F%23%25%20%2f%3b%e2%82%ac');
  });

  it('resolves dot segments (RFC 3986 §5.2.4)', () => {
    expect(removeDotSegments('/a/b/c/./../../g')).toBe('/a/g');
    expect(removeDotSegments('/a/..')).toBe('/');
    expect(removeDotSegments('/a/b/..')).toBe('/a/');
    expect(removeDotSegments('/a/.')).toBe('/a/');
    expect(removeDotSegments('/..')).toBe('/');
    expect(removeDotSegments('/../../a')).toBe('/a');
    expect(removeDotSegments('/.')).toBe('/');
    expect(removeDotSegments('/a/./b')).toBe('/a/b');
    expect(removeDotSegments('/a..b/.a/a.')).toBe('/a..b/.a/a.');
  });

  it('percent-encodes raw non-ASCII as UTF-8 when normalizing; rejects lone surrogates', () => {
    check({ normalize_path: true }, '/café', '/caf%C3%A9');
    check({ normalize_path: false }, '/café', '/café');
    check({ normalize_path: true }, '/a\uD800b', 400);
  });

  it('merge_slashes alone', () => {
    check({ merge_slashes: true }, '//a///b//', '/a/b/');
    check({ merge_slashes: true }, '/a/../b', '/a/../b');
  });

  it('KEEP_UNCHANGED and IMPLEMENTATION_SPECIFIC_DEFAULT keep escaped slashes', () => {
    check({ normalize_path: true, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' }, '/a%2Fb', '/a%2Fb');
    check({ normalize_path: true, path_with_escaped_slashes_action: 'IMPLEMENTATION_SPECIFIC_DEFAULT' }, '/a%2Fb', '/a%2Fb');
    check({ normalize_path: true }, '/a%5Cb', '/a%5Cb');
  });

  it('UNESCAPE_AND_FORWARD without normalize_path leaves the decoded backslash', () => {
    check({ path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' }, '/a%2Fb%5cc', '/a/b\\c');
  });

  it('UNESCAPE_AND_REDIRECT asks for a redirect only when something was unescaped', () => {
    const m: PathNormalizationMode = { normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'UNESCAPE_AND_REDIRECT' };
    expect(normalizePath('/a%2F%2fb/../c', m)).toEqual({ ok: true, path: '/a/c', redirect: true });
    expect(normalizePath('/a//b', m)).toEqual({ ok: true, path: '/a/b' });
  });

  it('REJECT_REQUEST rejects even when normalize_path is off', () => {
    check({ path_with_escaped_slashes_action: 'REJECT_REQUEST' }, '/a%2fb', 400);
    check({ path_with_escaped_slashes_action: 'REJECT_REQUEST' }, '/a/b', '/a/b');
  });
});

describe('normalizePath: invalid paths are 400 in every mode', () => {
  const modes = [ISTIO_PATH_MODES.NONE, ISTIO_PATH_MODES.BASE, ISTIO_PATH_MODES.DECODE_AND_MERGE_SLASHES, MESHGATE_PATH_MODE];
  it.each([
    ['', 'empty path'],
    ['admin', 'path does not start with "/"'],
    ['http://x/a', 'path does not start with "/"'],
    ['/a%', 'invalid percent-encoding'],
    ['/a%2', 'invalid percent-encoding'],
    ['/a%zz', 'invalid percent-encoding'],
    ['/a%g0/b', 'invalid percent-encoding'],
    ['/a%00', 'encoded NUL (%00) in path'],
    ['/%00/x', 'encoded NUL (%00) in path'],
    ['/a b', 'control character or space in path'],
    ['/a\tb', 'control character or space in path'],
    ['/a\u0000b', 'control character or space in path'],
    ['/a\u007fb', 'control character or space in path'],
    ['/a\r\nb', 'control character or space in path'],
  ])('%j', (p, reason) => {
    for (const m of modes) expect(normalizePath(p, m)).toEqual({ ok: false, status: 400, reason });
  });

  it('"*" only for OPTIONS', () => {
    expect(normalizePath('*', MESHGATE_PATH_MODE, 'OPTIONS')).toEqual(ok('*'));
    expect(normalizePath('*', MESHGATE_PATH_MODE, 'options')).toEqual(ok('*'));
    expect(normalizePath('*', MESHGATE_PATH_MODE)).toEqual(ok('*'));
    expect(normalizePath('*', MESHGATE_PATH_MODE, 'GET')).toEqual(rejected);
    expect(normalizePath('*x', MESHGATE_PATH_MODE, 'OPTIONS')).toEqual(rejected);
  });

  it('passes a query through untouched and drops a fragment', () => {
    expect(normalizePath('/a/../b?x=%2F/../&y', MESHGATE_PATH_MODE)).toEqual(ok('/b?x=%2F/../&y'));
    expect(normalizePath('/a//b#frag/../x', MESHGATE_PATH_MODE)).toEqual(ok('/a/b'));
    expect(normalizePath('?x', MESHGATE_PATH_MODE)).toEqual(rejected);
  });
});

describe('rawPathOf / pathOfUrl', () => {
  it('reads the path from the serialized URL', () => {
    expect(pathOfUrl('http://h.test/a/b?x=1')).toBe('/a/b');
    expect(pathOfUrl('https://h.test:8443/a//b%2Fc;p=1#f')).toBe('/a//b%2Fc;p=1');
    expect(pathOfUrl('http://h.test')).toBe('/');
    expect(pathOfUrl('http://h.test?x=/y')).toBe('/');
    expect(pathOfUrl('http://h.test#/y')).toBe('/');
    expect(pathOfUrl('/only/path?q')).toBe('/only/path');
  });

  it('keeps what the URL parser keeps: //, escapes and their case, ; params', () => {
    expect(rawPathOf(new Request('http://app.h1.test//admin'))).toBe('//admin');
    expect(rawPathOf(new Request('http://app.h1.test/%61dmin%2Fx?q=1'))).toBe('/%61dmin%2Fx');
    expect(rawPathOf(new Request('http://app.h1.test/admin;a=b'))).toBe('/admin;a=b');
    expect(rawPathOf(new Request('http://app.h1.test/admin%00'))).toBe('/admin%00');
  });

  it('LIMITATION: dot segments and backslashes were already resolved by the runtime URL parser (same result as BASE)', () => {
    expect(rawPathOf(new Request('http://app.h1.test/public/../admin'))).toBe('/admin');
    expect(rawPathOf(new Request('http://app.h1.test/app/%2E./admin'))).toBe('/admin');
    expect(rawPathOf(new Request('http://app.h1.test/app\\admin'))).toBe('/app/admin');
    // ...so under NONE the dot segments are gone too; everything else still goes through normalizePath.
    const r = normalizePath(rawPathOf(new Request('http://app.h1.test/app/../a//b%2f')), MESHGATE_PATH_MODE);
    expect(r).toEqual(rejected);
  });
});
