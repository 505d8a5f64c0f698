import { registerHttpFilter } from './chain.ts';
import { DESTINATION_AUTHZ_FILTER } from '../../xds/filters/rbac.ts';
import { compileRbac } from './authz/rbac.ts';
import { compileExtAuthz } from './authz/ext-authz.ts';
import { compileDestinationAuthz } from './authz/destination.ts';

// AuthorizationPolicy on the data plane: ext_authz (CUSTOM), rbac (AUDIT/DENY/ALLOW and the CUSTOM
// shadow rules), and meshgate's destination-scoped stage (per-route policies). See
// docs/security.md.
registerHttpFilter('envoy.filters.http.ext_authz', compileExtAuthz);
registerHttpFilter('envoy.filters.http.rbac', (c) => compileRbac(c));
registerHttpFilter(DESTINATION_AUTHZ_FILTER, compileDestinationAuthz);

export { compileDestinationAuthzPerRoute } from './authz/destination.ts';
