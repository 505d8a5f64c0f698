// meshgate's mesh client for Workers: `meshFetch(env, opts)` and the Hono middleware.
// See core.ts for the contract (destination = URL host:port, trace propagation via `from`,
// JWT-SVID identity via `x-meshgate-svid`; untrusted informational `x-meshgate-source`).
export {
  meshFetch,
  DEFAULT_BINDING,
  SOURCE_HEADER,
  DEFAULT_IDENTITY_BINDING,
  IDENTITY_SECRET_VAR,
  TRACE_HEADERS,
  type MeshWorkloadIdentity,
  type MeshFetch,
  type MeshFetchOptions,
  type MeshIdentity,
  type MeshEgressBinding,
} from './core.ts';
export { IdentityTokenSource, clearIdentityTokenCache, type MeshIdentityBinding } from './identity.ts';
export { SVID_HEADER, type IdentityTokenResult } from '../mtls/workload-identity.ts';
export { meshFetchMiddleware, type MeshFetchVariables, type MeshFetchMiddlewareOptions } from './hono.ts';
