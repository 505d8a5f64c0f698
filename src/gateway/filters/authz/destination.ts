import { DESTINATION_AUTHZ_FILTER, DestinationAuthzFilterConfig, DestinationAuthzPerRoute } from '../../../xds/filters/rbac.ts';
import { rbacDenied } from '../../http/local-reply.ts';
import { compileHttpFilters, runFilters, type CompiledHttpFilter, type FilterContext } from '../chain.ts';
import { DESTINATION_AUTHN, identityMetadata } from '../jwt/claims.ts';
import type { Verified } from '../jwt/verifier.ts';

// Destination-scoped authorization (docs/security.md "Where a policy applies"): the listener half
// runs, for the matched route, the stages its typed_per_filter_config carries — the ext_authz /
// rbac filters of the policies a sidecar at each destination would enforce. Every stage must let
// the request through. A route's stages are compiled once per snapshot (the first time the route
// is used; the snapshot's route objects are the cache keys).

type Stage = { readonly filters: readonly CompiledHttpFilter[]; readonly port: number | undefined; readonly providers: ReadonlySet<string> | undefined };
interface Stages {
  readonly destinations: readonly Stage[];
  /** Mirror cluster → its stages; a denial drops that mirror only. */
  readonly mirrors: readonly { readonly cluster: string; readonly destinations: readonly Stage[] }[];
}

const compiled = new WeakMap<object, Stages>();

/** Compiles (and validates) one route's per-route config; throws when it is not usable. */
export function compileDestinationAuthzPerRoute(config: unknown): Stages {
  const c = DestinationAuthzPerRoute.parse(config);
  const stages = (list: typeof c.destinations) => list.map((d) => ({ filters: compileHttpFilters(d.http_filters), port: d.port, providers: d.jwt_providers ? new Set(d.jwt_providers) : undefined }));
  return { destinations: stages(c.destinations), mirrors: (c.mirrors ?? []).map((m) => ({ cluster: m.cluster, destinations: stages(m.destinations) })) };
}

/** Whether every stage lets the request through: the first denial, else undefined. */
async function judge(stages: readonly Stage[], ctx: FilterContext, routed: FilterContext['routed'], verified: readonly Verified[] | undefined): Promise<Response | undefined> {
  for (const { filters, port, providers } of stages) {
    // Of the tokens the destination step verified, this destination's sidecar accepts those its own providers verified.
    const own = verified && providers ? verified.filter((v) => providers.has(v.provider.name)) : undefined;
    const res = await runFilters(filters, destinationView(ctx, routed, port, own?.length ? identityMetadata(own) : undefined));
    if (res) return res;
  }
  return undefined;
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

/**
 * The filter context as the destination sees the request; reads and writes of the rest go to
 * `ctx`. `authn` is the metadata of the tokens this destination's own providers verified in the route's
 * destination step verified, which its sidecar would judge instead of the gateway's identity.
 */
function destinationView(ctx: FilterContext, routed: FilterContext['routed'], port: number | undefined, authn: FilterContext['metadata'] | undefined): FilterContext {
  if (!routed && port === undefined && !authn) return ctx;
  const own: PropertyDescriptorMap = {};
  if (routed) Object.assign(own, { path: { value: routed.path }, authority: { value: routed.authority } });
  if (port !== undefined) own['port'] = { value: port };
  if (authn) own['metadata'] = { value: Object.assign(Object.create(ctx.metadata) as FilterContext['metadata'], authn) };
  return Object.create(ctx, own) as FilterContext;
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
      // A sidecar at the destination sees the request as the route sends it: the rewritten path
      // and authority, on the destination's port.
      const routed = ctx.routed;
      const denied = await judge(stages.destinations, ctx, routed, (ctx.metadata[DESTINATION_AUTHN] as { verified: Verified[] } | undefined)?.verified);
      if (denied) return denied;
      // A mirror's destination judges its copy; a denied copy is not sent (Istio: the mirror's
      // sidecar answers 403 to a copy nobody reads).
      for (const m of stages.mirrors) {
        // The route's destination RequestAuthentication is not the mirror's: the gateway's identity.
        const res = await judge(m.destinations, ctx, routed, undefined);
        if (res) {
          await res.body?.cancel();
          (ctx.deniedMirrors ??= new Set()).add(m.cluster);
        }
      }
      return undefined;
    },
  };
}
