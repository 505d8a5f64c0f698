import { z } from 'zod';
import { defineKind } from '../types.ts';
import { jwtRule, parseJwks, PRIVATE_JWK_MEMBERS } from './jwt-rule.ts';
import { checkOneOfScope, policyScopeFields, warnEmptySelector } from './policy-scope.ts';

// RequestAuthentication (istio/api security/v1beta1/request_authentication.proto): which JWTs a
// workload validates. Validation: istio/istio validation.go ValidateRequestAuthentication.
// https://istio.io/latest/docs/reference/config/security/request_authentication/

export { jwtRule, jwtHeader, claimToHeader, jwksUriError, parseJwks, PRIVATE_JWK_MEMBERS } from './jwt-rule.ts';
export type { JWTRule, JWTHeader, ClaimToHeader } from './jwt-rule.ts';

export const requestAuthenticationSpec = z
  .strictObject({
    ...policyScopeFields,
    /** All rules of all policies that apply to a workload are combined (one per issuer). */
    jwtRules: z.array(jwtRule).max(4096, 'at most 4096 jwtRules are allowed').optional(),
  })
  .superRefine(checkOneOfScope);
export type RequestAuthenticationSpec = z.infer<typeof requestAuthenticationSpec>;

export const requestAuthentication = defineKind({
  group: 'security.istio.io',
  kind: 'RequestAuthentication',
  versions: ['v1', 'v1beta1'],
  plural: 'requestauthentications',
  shortNames: ['ra'],
  body: 'spec',
  spec: requestAuthenticationSpec,
  check: (r, report) => {
    warnEmptySelector(r.spec, report);
    for (const [i, rule] of (r.spec.jwtRules ?? []).entries()) {
      if (rule.jwks && rule.jwksUri) {
        report(['spec', 'jwtRules', i, 'jwksUri'], 'only one of jwksUri and jwks should be set; jwksUri is ignored when jwks is set', 'warning');
      }
      if (!rule.jwks) continue;
      const parsed = parseJwks(rule.jwks);
      if (typeof parsed === 'string') continue;
      for (const [k, key] of parsed.keys.entries()) {
        const secret = PRIVATE_JWK_MEMBERS.filter((m) => m in key);
        if (secret.length) {
          report(['spec', 'jwtRules', i, 'jwks'], `jwks key ${k} contains private key material (${secret.map((s) => `"${s}"`).join(', ')}); an inline JWKS should hold public keys only`, 'warning');
        }
      }
    }
  },
});
