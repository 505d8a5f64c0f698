// meshgate's mesh client for Workers: `meshFetch(env, opts)` and the Hono middleware.
// See core.ts for the contract (destination = URL host:port, trace propagation via `from`,
// informational `x-meshgate-source` identity).
export {
  meshFetch,
  DEFAULT_BINDING,
  SOURCE_HEADER,
  TRACE_HEADERS,
  type MeshFetch,
  type MeshFetchOptions,
  type MeshIdentity,
  type MeshEgressBinding,
} from './core.ts';
export { meshFetchMiddleware, type MeshFetchVariables, type MeshFetchMiddlewareOptions } from './hono.ts';
