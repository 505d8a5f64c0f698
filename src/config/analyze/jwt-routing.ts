import { isJwtClaimHeader } from '../kinds/networking/http-match.ts';
import { type Analyzer, GATEWAY_NAMESPACE, GATEWAY_ROLES, quote, selects } from './context.ts';

// IST0149 JwtClaimBasedRoutingWithoutRequestAuthN (error): a route matching
// `@request.auth.claims.*` headers on a gateway where no RequestAuthentication validates JWTs;
// the claims are never set, so the match never succeeds
// (analyzers/virtualservice/jwtclaimroute.go). A RequestAuthentication applies to the gateways
// when it lives in their namespace (istio-system) or the root namespace and its selector, if
// any, matches a gateway proxy.

export const jwtClaimRouting: Analyzer = {
  name: 'virtualservice.jwtclaimroute',
  analyze(ctx) {
    const gatewayAuthn = ctx.requestAuthentications.some(
      (ra) =>
        (ra.namespace === GATEWAY_NAMESPACE || ra.namespace === ctx.rootNamespace) &&
        (ra.spec.jwtRules?.length ?? 0) > 0 &&
        GATEWAY_ROLES.some((r) => selects(ra.spec.selector?.matchLabels, r.labels)),
    );
    if (gatewayAuthn) return;
    for (const vs of ctx.virtualServices) {
      const gws = (vs.spec.gateways ?? []).filter((g) => g !== 'mesh');
      if (!gws.length) continue;
      for (const [i, r] of (vs.spec.http ?? []).entries()) {
        for (const [j, m] of (r.match ?? []).entries()) {
          for (const field of ['headers', 'withoutHeaders'] as const) {
            for (const key of Object.keys(m[field] ?? {})) {
              if (!isJwtClaimHeader(key)) continue;
              ctx.report(vs, {
                severity: 'error',
                code: 'IST0149',
                path: ['spec', 'http', i, 'match', j, field, key],
                message: `The virtual service uses the JWT claim based routing (key: ${key}) but found no request authentication for the gateway (${gws.map(quote).join(', ')}). The request authentication must first be applied for the gateway pods to validate the JWT token and make the claims available for routing: add a RequestAuthentication in ${GATEWAY_NAMESPACE} selecting the gateway`,
              });
            }
          }
        }
      }
    }
  },
};
