import type { HttpFilter } from '../resources/listener.ts';
import type { Node } from '../protocol.ts';
import type { PushContext } from '../push-context.ts';
import { DESTINATION_AUTHZ_FILTER, DESTINATION_AUTHZ_TYPE } from '../filters/rbac.ts';
import { authorizationFilters } from './authz/filters.ts';
import { authorizationPolicies, gatewayPolicies, isMeshWide } from './authz/scope.ts';

// AuthorizationPolicy → the gateway listener's authorization filters (Istio
// pilot/pkg/security/authz/builder): the mesh-wide and gateway-selected policies as ext_authz /
// rbac filters in Istio's order (CUSTOM → DENY → ALLOW, AUDIT never deciding), then the
// destination-scoped stage, which runs the policies the matched route carries for its
// destinations (./authz/destination.ts). Scope: docs/security.md "Where a policy applies".
// https://istio.io/latest/docs/reference/config/security/authorization-policy/

export function buildAuthorizationFilters(push: PushContext, node: Node): HttpFilter[] {
  const out = authorizationFilters(push, gatewayPolicies(push, node));
  // Any policy that is not mesh-wide may apply to some destination; then routes may carry a stage.
  if (authorizationPolicies(push).some((p) => !isMeshWide(push, p))) out.push({ name: DESTINATION_AUTHZ_FILTER, typed_config: { '@type': DESTINATION_AUTHZ_TYPE } });
  return out;
}
