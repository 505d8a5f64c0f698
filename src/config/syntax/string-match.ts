import { z } from 'zod';
import { re2 } from './regex.ts';

// istio.networking.v1alpha3.StringMatch: oneof exact | prefix | regex. `{}` (nothing set) is a
// presence match where Istio allows it (headers, queryParams, withoutHeaders).
export const stringMatch = z
  .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: re2.optional() })
  .superRefine((m, ctx) => {
    const set = (['exact', 'prefix', 'regex'] as const).filter((k) => m[k] !== undefined);
    if (set.length > 1) ctx.addIssue({ code: 'custom', message: `only one of exact, prefix or regex may be set (got ${set.join(', ')})` });
  });
export type StringMatch = z.infer<typeof stringMatch>;

/** StringMatch where an empty prefix is invalid (headers, scheme, method, authority, queryParams). */
export const nonEmptyPrefixMatch = stringMatch.superRefine((m, ctx) => {
  if (m.prefix === '') ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'prefix string match should not be empty' });
});

export const isPresenceMatch = (m: StringMatch) => (m.exact === undefined && m.prefix === undefined && m.regex === undefined) || m.regex === '*';
