import { DESTINATION_AUTHZ_FILTER, DestinationAuthzFilterConfig, DestinationAuthzPerRoute } from '../../../xds/filters/rbac.ts';
import { rbacDenied } from '../../http/local-reply.ts';
import { compileHttpFilters, runFilters, type CompiledHttpFilter } from '../chain.ts';

// Destination-scoped authorization (docs/security.md "Where a policy applies"): the listener half
// runs, for the matched route, the stages its typed_per_filter_config carries — the ext_authz /
// rbac filters of the policies a sidecar at each destination would enforce. Every stage must let
// the request through. A route's stages are compiled once per snapshot (the first time the route
// is used; the snapshot's route objects are the cache keys).

type Stages = readonly (readonly CompiledHttpFilter[])[];

const compiled = new WeakMap<object, Stages>();

/** Compiles (and validates) one route's per-route config; throws when it is not usable. */
export function compileDestinationAuthzPerRoute(config: unknown): Stages {
  const c = DestinationAuthzPerRoute.parse(config);
  return c.destinations.map((d) => compileHttpFilters(d.http_filters));
}

/** Compiles a route's stages at snapshot compile time, so a config that cannot run is NACKed. */
export function precompileDestinationAuthz(config: object): void {
  if (!compiled.has(config)) compiled.set(config, compileDestinationAuthzPerRoute(config));
}

function stagesFor(config: object): Stages {
  let s = compiled.get(config);
  if (!s) {
    s = compileDestinationAuthzPerRoute(config);
    compiled.set(config, s);
  }
  return s;
}

export function compileDestinationAuthz(typedConfig: unknown): CompiledHttpFilter {
  DestinationAuthzFilterConfig.parse(typedConfig);
  return {
    name: DESTINATION_AUTHZ_FILTER,
    async onRequest(ctx) {
      const config = ctx.route?.typed_per_filter_config?.[DESTINATION_AUTHZ_FILTER];
      if (!config) return undefined;
      let stages: Stages;
      try {
        stages = stagesFor(config);
      } catch {
        // A config the data plane cannot run must not open the destination: fail closed.
        return rbacDenied();
      }
      for (const filters of stages) {
        const res = await runFilters(filters, ctx);
        if (res) return res;
      }
      return undefined;
    },
  };
}
