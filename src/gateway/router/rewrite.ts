import type { Route } from '../../xds/resources/route.ts';
import type { RE2JS } from 're2js';
import { compileRegex } from '../routing/string-matcher.ts';

// Envoy path rewrites: prefix_rewrite replaces the matched prefix, or the whole path when the
// route matched all of it (an exact `path` or a `safe_regex`: Istio's HTTPRewrite.uri "if the
// original URI was matched based on a regex, the entire URI is replaced"); regex_rewrite replaces
// every match as RE2::GlobalReplace does, `\1`-style groups (RE2::Rewrite).
export type PathRewrite = (path: string) => string;

/** The route's path rewrite: its route action's, or its redirect's prefix_rewrite (same rules). */
export function compilePathRewrite(route: Route): PathRewrite | undefined {
  const action = route.route;
  const prefixRewrite = action ? action.prefix_rewrite : route.redirect?.prefix_rewrite;
  if (prefixRewrite !== undefined) {
    const replacement = prefixRewrite;
    const m = route.match;
    if (m.path !== undefined || m.safe_regex !== undefined) return () => replacement;
    const prefix = m.prefix ?? '';
    if (m.case_sensitive !== false) return (path) => (path.startsWith(prefix) ? replacement + path.slice(prefix.length) : path);
    const lower = prefix.toLowerCase();
    return (path) => (path.slice(0, lower.length).toLowerCase() === lower ? replacement + path.slice(prefix.length) : path);
  }
  if (action?.regex_rewrite) {
    const re = compileRegex(action.regex_rewrite.pattern.regex);
    const parts = substitutionParts(action.regex_rewrite.substitution, re.groupCount());
    return (path) => globalReplace(re, path, parts);
  }
  return undefined;
}

/**
 * An RE2 rewrite string (RE2::Rewrite): `\0` is the whole match, `\1`..`\9` a group, `\\` a
 * backslash; any other escape, or a group the pattern lacks, is an error (the snapshot is NACKed).
 */
export function substitutionParts(sub: string, groups: number): (string | number)[] {
  const parts: (string | number)[] = [];
  let lit = '';
  for (let i = 0; i < sub.length; i++) {
    const c = sub[i]!;
    if (c !== '\\') {
      lit += c;
      continue;
    }
    const n = sub[++i];
    if (n === '\\') lit += '\\';
    else if (n !== undefined && n >= '0' && n <= '9') {
      if (Number(n) > groups) throw new Error(`regex_rewrite substitution ${JSON.stringify(sub)} refers to group \\${n}, but the pattern has ${groups}`);
      if (lit) parts.push(lit);
      lit = '';
      parts.push(Number(n));
    } else throw new Error(`regex_rewrite substitution ${JSON.stringify(sub)}: invalid escape \\${n ?? ''} (use \\0-\\9 or \\\\)`);
  }
  if (lit) parts.push(lit);
  return parts;
}

/**
 * RE2::GlobalReplace: every non-overlapping match replaced, left to right; an empty match right
 * where the previous match ended is skipped (so `(.*)` rewrites `/foo` once, not twice as a
 * Java-style replaceAll would).
 */
function globalReplace(re: RE2JS, s: string, parts: readonly (string | number)[]): string {
  const m = re.matcher(s);
  let out = '';
  let p = 0;
  let lastEnd = -1;
  let count = 0;
  while (p <= s.length && m.find(p)) {
    const start = m.start();
    const end = m.end();
    if (p < start) out += s.slice(p, start);
    if (start === end && start === lastEnd) {
      const step = (s.codePointAt(p) ?? 0) > 0xffff ? 2 : 1;
      out += s.slice(p, p + step);
      p += step;
      continue;
    }
    for (const part of parts) out += typeof part === 'string' ? part : (m.group(part) ?? '');
    p = lastEnd = end;
    count++;
  }
  if (count === 0) return s;
  return p < s.length ? out + s.slice(p) : out;
}
