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

export const re2 = z.string().superRefine((v, ctx) => {
  if (v === '') return ctx.addIssue({ code: 'custom', message: 'regex string match should not be empty' });
  const err = re2Error(v);
  if (err) ctx.addIssue({ code: 'custom', message: `"${v}" is not a valid regex: ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` });
});
