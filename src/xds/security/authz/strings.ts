import type { StringMatcher } from '../../resources/common.ts';
import type { CidrRange } from '../../filters/rbac.ts';

// AuthorizationPolicy value syntax → Envoy matchers (Istio pilot/pkg/security/authz/matcher):
// `abc` exact, `abc*` prefix, `*abc` suffix, `*` present and non-empty (istio/istio#22540).

/** `.+`: Istio's presence match; the data plane recognises it without running a regex. */
export const NON_EMPTY = '.+';

export function escapeRegex(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|]/g, (c) => `\\${c}`);
}

/** One rule value as a StringMatcher, with an optional fixed `prefix` in front of what is matched (e.g. `spiffe://`). */
export function stringMatcher(v: string, opts: { ignoreCase?: boolean; prefix?: string } = {}): StringMatcher {
  const pre = opts.prefix ?? '';
  const ic = opts.ignoreCase ? { ignore_case: true } : {};
  if (v === '*') return { safe_regex: { regex: pre ? `${escapeRegex(pre)}${NON_EMPTY}` : NON_EMPTY } };
  // A leading `*` wins over a trailing one (`*a*` is the suffix `a*`), as Istio's StringMatcherWithPrefix.
  if (v.startsWith('*')) return pre ? { safe_regex: { regex: `${escapeRegex(pre)}.*${escapeRegex(v.slice(1))}` } } : { suffix: v.slice(1), ...ic };
  if (v.endsWith('*')) return { prefix: pre + v.slice(0, -1), ...ic };
  return { exact: pre + v, ...ic };
}

/**
 * A regex fragment for one rule value inside a larger pattern (namespaces, trust domains inside a
 * SPIFFE URI). Every `*` is a wildcard, wherever it stands, as Istio's generators turn each `*`
 * into `.*`; here `[^/]` keeps it within the value's own path segment.
 */
export function segmentRegex(v: string): string {
  if (v === '*') return '[^/]+';
  return v.split('*').map(escapeRegex).join('[^/]*');
}

/** `10.0.0.0/8` or a single address (a /32 or /128). */
export function cidrRange(v: string): CidrRange {
  const slash = v.indexOf('/');
  if (slash < 0) return { address_prefix: v, prefix_len: v.includes(':') ? 128 : 32 };
  return { address_prefix: v.slice(0, slash), prefix_len: Number(v.slice(slash + 1)) };
}
