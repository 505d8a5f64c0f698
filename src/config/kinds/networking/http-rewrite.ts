import { z } from 'zod';
import { re2Error, re2RewriteError } from '../../syntax/regex.ts';

// HTTPRewrite (virtual_service.proto; validation.go validateHTTPRewrite, validateURIRegexRewrite).
// Applied before forwarding: `uri` → Envoy prefix_rewrite (whole path for exact matches),
// `uriRegexRewrite` → regex_rewrite (all matches replaced, `\1`..`\9`), `authority` → host rewrite.

export const regexRewrite = z
  .strictObject({
    /** RE2 pattern. */
    match: z.string(),
    /** Substitution; `\N` refers to capture group N. */
    rewrite: z.string(),
  })
  .superRefine((r, ctx) => {
    if (r.match === '' || r.rewrite === '') {
      ctx.addIssue({ code: 'custom', path: [r.match === '' ? 'match' : 'rewrite'], message: 'UriRegexRewrite requires both Rewrite and Match fields to be specified' });
      return;
    }
    const err = re2Error(r.match);
    if (err) ctx.addIssue({ code: 'custom', path: ['match'], message: `"HTTPRewrite.UriRegexRewrite.Match": ${err}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)` });
    // Envoy applies it with RE2::GlobalReplace, which refuses a bad rewrite string.
    const rwErr = re2RewriteError(r.rewrite, r.match);
    if (rwErr) ctx.addIssue({ code: 'custom', path: ['rewrite'], message: `"HTTPRewrite.UriRegexRewrite.Rewrite": ${rwErr}` });
  });
export type RegexRewrite = z.infer<typeof regexRewrite>;

export const httpRewrite = z
  .strictObject({
    uri: z.string().optional(),
    /** Wins over an authority set through `headers`. */
    authority: z.string().optional(),
    uriRegexRewrite: regexRewrite.optional(),
  })
  .superRefine((r, ctx) => {
    if (r.uri && r.uriRegexRewrite) ctx.addIssue({ code: 'custom', path: ['uriRegexRewrite'], message: 'rewrite may only contain one of URI or UriRegexRewrite' });
    if (!r.uri && !r.uriRegexRewrite && !r.authority) {
      ctx.addIssue({ code: 'custom', message: 'rewrite must specify at least one of URI, UriRegexRewrite, or authority. Only one of URI or UriRegexRewrite may be specified' });
    }
  });
export type HTTPRewrite = z.infer<typeof httpRewrite>;
