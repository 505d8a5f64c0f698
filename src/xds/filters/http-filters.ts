import type { HttpFilter } from '../resources/listener.ts';
import type { Node } from '../protocol.ts';
import type { PushContext } from '../push-context.ts';
import { buildPeerAuthenticationFilters } from '../security/peer-authentication.ts';
import { buildJwtAuthnFilters } from '../security/jwt-authn.ts';
import { buildAuthorizationFilters } from '../security/authorization.ts';

// The HTTP filter chain of a gateway listener, in Istio's order: peer authentication (mTLS),
// request authentication (jwt_authn), authorization (ext_authz for CUSTOM, rbac for DENY/ALLOW),
// then cors, fault and the router.
// Per-route settings (fault, cors) ride in each route's typed_per_filter_config.
// https://istio.io/latest/docs/ops/deployment/architecture/ ; pilot/pkg/networking/core/listener.go

export const FILTER = {
  jwtAuthn: 'envoy.filters.http.jwt_authn',
  extAuthz: 'envoy.filters.http.ext_authz',
  rbac: 'envoy.filters.http.rbac',
  cors: 'envoy.filters.http.cors',
  fault: 'envoy.filters.http.fault',
  localRateLimit: 'envoy.filters.http.local_ratelimit',
  router: 'envoy.filters.http.router',
} as const;

export function buildHttpFilters(push: PushContext, node: Node): HttpFilter[] {
  return [
    ...buildPeerAuthenticationFilters(push, node),
    ...buildJwtAuthnFilters(push, node),
    ...buildAuthorizationFilters(push, node),
    { name: FILTER.cors, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors' } },
    { name: FILTER.fault, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault' } },
    { name: FILTER.router, typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
  ];
}
