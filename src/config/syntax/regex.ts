import { RE2JS } from 're2js';
import { z } from 'zod';

// Every regex from config is RE2 (linear time), as in Envoy's safe_regex: a regex RE2 rejects is
// rejected here, and no regex from config can backtrack forever on the data plane.
export const MAX_REGEX_LENGTH = 1024;

/** The RE2 syntax error for a pattern, or undefined when it compiles. */
export function re2Error(pattern: string): string | undefined {
  if (pattern.length > MAX_REGEX_LENGTH) return `regex is too long (${pattern.length} > ${MAX_REGEX_LENGTH} characters)`;
  try {
    RE2JS.compile(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Why an RE2 rewrite string (RE2::Rewrite, Envoy regex_rewrite.substitution) cannot be used with
 * `pattern`: only `\0`-`\9` (groups the pattern has) and `\\` may follow a backslash.
 */
export function re2RewriteError(rewrite: string, pattern: string): string | undefined {
  let groups: number;
  try {
    groups = RE2JS.compile(pattern).groupCount();
  } catch {
    return undefined; // the pattern's own error is reported
  }
  for (let i = 0; i < rewrite.length; i++) {
    if (rewrite[i] !== '\\') continue;
    const n = rewrite[++i];
    if (n === '\\') continue;
    if (n === undefined || n < '0' || n > '9') return `invalid escape \\${n ?? ''} in the rewrite: use \\0-\\9 for groups and \\\\ for a backslash`;
    if (Number(n) > groups) return `the rewrite refers to group \\${n}, but the match has ${groups} capture group${groups === 1 ? '' : 's'}`;
  }
  return undefined;
}

export const re2 = z.string().superRefine((v, ctx) => {
  if (v === '') return ctx.addIssue({ code: 'custom', message: 'regex string match should not be empty' });
  const err = re2Error(v);
  if (err) ctx.addIssue({ code: 'custom', message: `"${v}" is not a valid regex: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` });
});
