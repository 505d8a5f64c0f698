import type { PathSegment } from '../issues.ts';
import { type Analyzer, type Ctx, quote, requestAuthenticationsFor } from './context.ts';

// AuthorizationPolicy references that cannot match as written.
// - MG0005 (info): `from.source.namespaces` / `principals` (`<td>/ns/<ns>/sa/<sa>`) naming a
//   namespace in which no resource at all was given: a typo, or config not analyzed together.
// - MG0006 (warning): `requestPrincipals`/`notRequestPrincipals` or a `request.auth.*` condition
//   where no RequestAuthentication (with jwtRules) applies, in the policy's namespace or the root
//   namespace: no JWT is ever validated, so the request principal is always empty — these never
//   match (`notRequestPrincipals` always does).

/** Does a namespace rule value match `v`? Every `*` is a wildcard, as the translator reads it (segmentRegex). */
function ruleMatches(pattern: string, v: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === v;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!v.startsWith(first) || v.length < first.length + last.length) return false;
  let at = first.length;
  for (const mid of parts.slice(1, -1)) {
    const found = v.indexOf(mid, at);
    if (found < 0) return false;
    at = found + mid.length;
  }
  return v.length - last.length >= at && v.endsWith(last);
}

const knownNamespace = (ctx: Ctx, pattern: string) => [...ctx.namespaces].some((ns) => ruleMatches(pattern, ns));

/** Namespace part of a SPIFFE-style principal `<trust domain>/ns/<ns>/sa/<sa>`, if it names one exactly. */
function principalNamespace(p: string): string | undefined {
  const m = /(?:^|\/)ns\/([^/]+)\/sa\//.exec(p);
  return m && !m[1]!.includes('*') ? m[1] : undefined;
}

export const authorizationReferences: Analyzer = {
  name: 'authorizationpolicy.references',
  analyze(ctx) {
    for (const ap of ctx.authorizationPolicies) {
      const hasJwt = requestAuthenticationsFor(ctx, ap.namespace).length > 0;
      const noJwt = (path: PathSegment[], what: string) =>
        ctx.report(ap, {
          severity: 'warning',
          code: 'MG0006',
          path,
          message: `${what} depends on a validated JWT, but no RequestAuthentication with jwtRules applies in namespace ${ap.namespace} or the root namespace ${ctx.rootNamespace}: the request principal is always empty, so this never matches as intended. Add a RequestAuthentication for the issuer`,
        });
      for (const [i, rule] of (ap.spec.rules ?? []).entries()) {
        for (const [j, from] of (rule.from ?? []).entries()) {
          const src = from.source;
          if (!src) continue;
          const base: PathSegment[] = ['spec', 'rules', i, 'from', j, 'source'];
          for (const [k, ns] of (src.namespaces ?? []).entries()) {
            if (ns === '*' || knownNamespace(ctx, ns)) continue;
            ctx.report(ap, { severity: 'info', code: 'MG0005', path: [...base, 'namespaces', k], message: `namespace ${quote(ns)} has no resources in this configuration; check the spelling, as a source namespace that does not exist never matches` });
          }
          for (const [k, p] of (src.principals ?? []).entries()) {
            const ns = principalNamespace(p);
            if (!ns || ctx.namespaces.has(ns)) continue;
            ctx.report(ap, { severity: 'info', code: 'MG0005', path: [...base, 'principals', k], message: `principal ${quote(p)} names namespace ${quote(ns)}, which has no resources in this configuration; check the spelling, as a principal that does not exist never matches` });
          }
          if (!hasJwt) {
            if (src.requestPrincipals?.length) noJwt([...base, 'requestPrincipals'], 'from.source.requestPrincipals');
            if (src.notRequestPrincipals?.length) noJwt([...base, 'notRequestPrincipals'], 'from.source.notRequestPrincipals (which then matches every request)');
          }
        }
        if (hasJwt) continue;
        for (const [j, c] of (rule.when ?? []).entries()) {
          if (c.key.startsWith('request.auth.')) noJwt(['spec', 'rules', i, 'when', j, 'key'], `condition ${quote(c.key)}`);
        }
      }
    }
  },
};
