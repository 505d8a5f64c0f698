// Request path normalization, as Envoy's HTTP connection manager does it for Istio's
// MeshConfig.pathNormalization (reference/istio-semantics.md §4.4; DESIGN.md "Mesh-wide settings
// and decisions").
//
// Envoy facts carried over (no code copied):
// - HttpConnectionManager `normalize_path`: RFC 3986 §6 normalization — dot segments removed
//   (RFC 3986 §5.2.4), `\` treated as `/`, %-encoded unreserved characters decoded, `;` params
//   dropped from `.` and `..` segments; everything else (other `;` params, `%252e`, overlong
//   UTF-8 `%c0%ae`, case) left alone.
//   https://www.envoyproxy.io/docs/envoy/latest/api-v3/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto
// - `merge_slashes`: runs after normalization, collapses `//…` into `/`.
// - `path_with_escaped_slashes_action` (`%2F %2f %5C %5c`): runs first, on the path as received;
//   REJECT_REQUEST ⇒ 400, UNESCAPE_AND_FORWARD ⇒ decode then normalize, UNESCAPE_AND_REDIRECT ⇒
//   decode, normalize and redirect the client to the result; IMPLEMENTATION_SPECIFIC_DEFAULT is
//   Envoy's default, KEEP_UNCHANGED.
// - Invalid paths are answered 400 in every mode (Istio normalization_test.go: `/admin%00` ⇒ 400).
//
// Istio's modes: NONE = nothing; BASE (= DEFAULT) = normalize_path; MERGE_SLASHES = BASE + merge;
// DECODE_AND_MERGE_SLASHES = MERGE_SLASHES + UNESCAPE_AND_FORWARD. meshgate's default is
// normalize + merge + REJECT_REQUEST (DESIGN.md).

export type EscapedSlashesAction =
  | 'KEEP_UNCHANGED'
  | 'REJECT_REQUEST'
  | 'UNESCAPE_AND_FORWARD'
  | 'UNESCAPE_AND_REDIRECT'
  | 'IMPLEMENTATION_SPECIFIC_DEFAULT';

export interface PathNormalizationMode {
  normalize_path?: boolean;
  merge_slashes?: boolean;
  path_with_escaped_slashes_action?: EscapedSlashesAction;
}

export type NormalizePathResult =
  /** `redirect: true` only under UNESCAPE_AND_REDIRECT when escaped slashes were found: answer a redirect to `path`. */
  | { ok: true; path: string; redirect?: true }
  | { ok: false; status: 400; reason: string };

/** meshgate's default: BASE + merge slashes, escaped slashes rejected (DESIGN.md). */
export const MESHGATE_PATH_MODE: Readonly<PathNormalizationMode> = Object.freeze({
  normalize_path: true,
  merge_slashes: true,
  path_with_escaped_slashes_action: 'REJECT_REQUEST',
});

export type IstioPathNormalization = 'NONE' | 'BASE' | 'DEFAULT' | 'MERGE_SLASHES' | 'DECODE_AND_MERGE_SLASHES';

/** Istio's ProxyPathNormalization modes as the Envoy settings Istio generates for them. */
export const ISTIO_PATH_MODES: Readonly<Record<IstioPathNormalization, Readonly<PathNormalizationMode>>> = Object.freeze({
  NONE: Object.freeze({ normalize_path: false, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' as const }),
  BASE: Object.freeze({ normalize_path: true, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' as const }),
  DEFAULT: Object.freeze({ normalize_path: true, merge_slashes: false, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' as const }),
  MERGE_SLASHES: Object.freeze({ normalize_path: true, merge_slashes: true, path_with_escaped_slashes_action: 'KEEP_UNCHANGED' as const }),
  DECODE_AND_MERGE_SLASHES: Object.freeze({
    normalize_path: true,
    merge_slashes: true,
    path_with_escaped_slashes_action: 'UNESCAPE_AND_FORWARD' as const,
  }),
});

/**
 * The mode for MeshConfig `pathNormalization.normalization`; absent ⇒ meshgate's default
 * ({@link MESHGATE_PATH_MODE}); an unknown name ⇒ undefined (the config layer reports it).
 */
export function pathModeFor(normalization?: string | null): Readonly<PathNormalizationMode> | undefined {
  if (normalization == null || normalization === '') return MESHGATE_PATH_MODE;
  return Object.prototype.hasOwnProperty.call(ISTIO_PATH_MODES, normalization)
    ? ISTIO_PATH_MODES[normalization as IstioPathNormalization]
    : undefined;
}

// Compiled once.
const HEX = /^[0-9A-Fa-f]{2}$/;
// Raw characters Envoy's codecs never accept in a request target: controls, space, DEL.
// eslint-disable-next-line no-control-regex
const FORBIDDEN_RAW = /[\u0000-\u0020\u007f]/;
const ESCAPED_SLASH = /%(?:2[Ff]|5[Cc])/;
const ESCAPED_SLASH_G = /%(?:2[Ff]|5[Cc])/g;
const MULTI_SLASH = /\/{2,}/g;
const PCT_G = /%([0-9A-Fa-f]{2})/g;
// eslint-disable-next-line no-control-regex
const NON_ASCII_G = /[^\u0000-\u007f]+/g;
// Quick test for "normalize_path would change nothing".
const NEEDS_NORMALIZE = /[%\\.]|[^\u0000-\u007f]/;
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) UNRESERVED[c] = 1;
}
const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function bad(reason: string): NormalizePathResult {
  return { ok: false, status: 400, reason };
}

/**
 * Checks the percent-escapes of `p`: every `%` starts two hex digits, and none encodes NUL.
 * Returns a reason on failure.
 */
function checkEscapes(p: string): string | null {
  let i = p.indexOf('%');
  while (i !== -1) {
    const hex = p.slice(i + 1, i + 3);
    if (!HEX.test(hex)) return 'invalid percent-encoding';
    if (hex === '00') return 'encoded NUL (%00) in path';
    i = p.indexOf('%', i + 3);
  }
  return null;
}

/**
 * `..;x` and `.;x` segments become `..` and `.`, so they collapse like any dot segment (Envoy
 * PathUtil::stripParametersFromDotSegments, part of canonicalPath since 2026). Otherwise
 * `/public/..;/admin` would pass a `/public*` rule and reach a Tomcat or Spring backend as `/admin`.
 * Applied after `%2e` is decoded and `\` made `/` (Envoy strips before decoding, so it still
 * passes `/public/%2e%2e;/admin` on as `/public/..;/admin`; meshgate does not).
 */
function stripDotSegmentParameters(p: string): string {
  return p
    .split('/')
    .map((seg) => (seg.startsWith('..;') ? '..' : seg.startsWith('.;') ? '.' : seg))
    .join('/');
}

function decodeUnreserved(p: string): string {
  if (p.indexOf('%') === -1) return p;
  return p.replace(PCT_G, (m, hex: string) => {
    const c = parseInt(hex, 16);
    return c < 128 && UNRESERVED[c] === 1 ? String.fromCharCode(c) : m;
  });
}

function encodeNonAscii(p: string): string | null {
  let failed = false;
  const out = p.replace(NON_ASCII_G, (run) => {
    if (LONE_SURROGATE.test(run)) {
      failed = true;
      return '';
    }
    let s = '';
    for (const b of utf8.encode(run)) s += '%' + (b < 16 ? '0' : '') + b.toString(16).toUpperCase();
    return s;
  });
  return failed ? null : out;
}

/** RFC 3986 §5.2.4 remove_dot_segments on an absolute path (starts with `/`). */
export function removeDotSegments(path: string): string {
  const segs = path.split('/');
  const out: string[] = [];
  // segs[0] is '' (before the leading slash).
  for (let i = 1; i < segs.length; i++) {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s === '.') {
      if (last) out.push('');
    } else if (s === '..') {
      out.pop();
      if (last) out.push('');
    } else {
      out.push(s);
    }
  }
  return '/' + out.join('/');
}

/**
 * Normalizes a request path (no query; a `?…` suffix is passed through untouched, a `#…` fragment
 * is dropped as Envoy does) per `mode`. Invalid paths are rejected in every mode: empty, not
 * starting with `/` (except `*` with OPTIONS, or when `method` is not given), raw control
 * characters or spaces, malformed `%` escapes, `%00`.
 */
export function normalizePath(rawPath: string, mode: PathNormalizationMode, method?: string): NormalizePathResult {
  let path = rawPath;
  const hash = path.indexOf('#');
  if (hash !== -1) path = path.slice(0, hash);
  let query = '';
  const q = path.indexOf('?');
  if (q !== -1) {
    query = path.slice(q);
    path = path.slice(0, q);
  }

  if (path === '*') {
    return method === undefined || method.toUpperCase() === 'OPTIONS'
      ? { ok: true, path: path + query }
      : bad('"*" is only valid for OPTIONS');
  }
  if (path.length === 0) return bad('empty path');
  if (path.charCodeAt(0) !== 0x2f /* / */) return bad('path does not start with "/"');
  if (FORBIDDEN_RAW.test(path)) return bad('control character or space in path');
  const escapeProblem = checkEscapes(path);
  if (escapeProblem) return bad(escapeProblem);

  let redirect = false;
  const action = mode.path_with_escaped_slashes_action ?? 'IMPLEMENTATION_SPECIFIC_DEFAULT';
  if (action !== 'KEEP_UNCHANGED' && action !== 'IMPLEMENTATION_SPECIFIC_DEFAULT' && ESCAPED_SLASH.test(path)) {
    if (action === 'REJECT_REQUEST') return bad('escaped slash or backslash (%2F, %5C) in path');
    path = path.replace(ESCAPED_SLASH_G, (m) => (m[1] === '2' ? '/' : '\\'));
    redirect = action === 'UNESCAPE_AND_REDIRECT';
  }

  if (mode.normalize_path && NEEDS_NORMALIZE.test(path)) {
    const ascii = encodeNonAscii(path);
    if (ascii === null) return bad('invalid UTF-8 in path');
    const decoded = decodeUnreserved(ascii).replaceAll('\\', '/');
    path = removeDotSegments(decoded.includes('.;') ? stripDotSegmentParameters(decoded) : decoded);
  }

  if (mode.merge_slashes && path.indexOf('//') !== -1) path = path.replace(MULTI_SLASH, '/');

  return redirect ? { ok: true, path: path + query, redirect: true } : { ok: true, path: path + query };
}

/**
 * The request path (without query) as close to what the client sent as the runtime allows.
 *
 * LIMITATION: the Workers runtime parses the request target with the WHATWG URL parser before
 * our code runs (reference/cloudflare-workers.md §9). By then dot segments (`.`, `..`, and their
 * `%2e` forms) are already resolved — `/a/../b` arrives as `/b`, `/app/%2E./admin` as `/admin` —
 * and `\` has become `/`: the same result Envoy's BASE normalization gives, so no mode can see
 * (or leave) those unresolved; NONE therefore behaves like BASE for dot segments here. What the
 * parser keeps as sent — `//`, `%2F`/`%5C`, other percent-escapes and their case, `;` params — is
 * returned unchanged, so merge_slashes, the escaped-slash action and %00 rejection still apply.
 * Read from the serialized `request.url` string (no second URL parse per request).
 */
export function rawPathOf(request: Request): string {
  return pathOfUrl(request.url);
}

/** The path part of an absolute URL string (`/` if it has none), without query or fragment. */
export function pathOfUrl(url: string): string {
  const scheme = url.indexOf('://');
  const authorityStart = scheme === -1 ? 0 : scheme + 3;
  let end = url.length;
  for (let i = authorityStart; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) {
      end = i;
      break;
    }
  }
  const slash = url.indexOf('/', authorityStart);
  if (slash === -1 || slash >= end) return '/';
  return url.slice(slash, end);
}
