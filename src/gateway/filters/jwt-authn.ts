import { JwtAuthentication, JwtPerRouteConfig } from '../../xds/filters/jwt-authn.ts';
import { localReply } from '../http/local-reply.ts';
import { registerHttpFilter, type CompiledHttpFilter, type FilterContext } from './chain.ts';
import { DESTINATION_AUTHN, identityMetadata } from './jwt/claims.ts';
import { tokenParams } from './jwt/extractor.ts';
import { removeQueryParam } from '../http/query.ts';
import { JwtStatus } from './jwt/status.ts';
import { compileProvider, compileRequirement, type CompiledProvider, type Verified, type Verifier, type VerifyRun } from './jwt/verifier.ts';

// envoy.filters.http.jwt_authn on the edge (Envoy filter.cc): CORS preflights bypassed; the
// route's per-route requirement, else the first listener rule matching the path (and, when
// verified claims select another route, that route's requirement too); failure ⇒ 401
// (403 for a disallowed audience) with Envoy's message as body and
// `www-authenticate: Bearer realm="<scheme>://<host><path>", error="invalid_token"`; success ⇒
// the verified payloads in dynamic metadata (`envoy.filters.http.jwt_authn` by
// payload_in_metadata, and `istio_authn` for Istio's request.auth.* attributes).
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';
/** Envoy's MaximumUriLength for the realm's path. */
const MAX_REALM_PATH = 256;

interface Rule {
  matches(path: string): boolean;
  verifier: Verifier;
  steps: Steps;
}

/**
 * What one route asks for, in the order it runs: the gateway's requirement, then the route's
 * destination's. A route without per-route config has only the listener rule for its path.
 */
interface Steps {
  kind: 'steps';
  gateway?: Verifier | undefined;
  destination?: Verifier | undefined;
}
type PerRoute = Steps | { kind: 'disabled' } | { kind: 'error'; message: string };
const NO_STEPS: Steps = { kind: 'steps' };

const isCorsPreflight = (ctx: FilterContext) => ctx.method === 'OPTIONS' && !!ctx.request.headers.get('origin') && !!ctx.request.headers.get('access-control-request-method');

export function compileJwtAuthn(typedConfig: Record<string, unknown>): CompiledHttpFilter {
  const cfg = JwtAuthentication.parse(typedConfig);
  const providers = new Map<string, CompiledProvider>(Object.entries(cfg.providers).map(([name, p]) => [name, compileProvider(name, p)]));
  const rules: Rule[] = (cfg.rules ?? []).flatMap((r): Rule[] => {
    const req = r.requires ?? (r.requirement_name !== undefined ? cfg.requirement_map?.[r.requirement_name] : undefined);
    if (!req) return [];
    const { prefix, path } = r.match;
    const verifier = compileRequirement(req, providers);
    return [{ matches: prefix !== undefined ? (p) => p.startsWith(prefix) : (p) => p === path, verifier, steps: { kind: 'steps', gateway: verifier } }];
  });
  // The translator's requirement_map entries are `requires_all: [<the listener's catch-all
  // requirement>, <the destination's>]` (src/xds/security/jwt-authn.ts). They run in two steps,
  // the gateway's before claims pick the final route and the destination's after, as Istio's
  // gateway and then the destination's sidecar run them. Any other entry is one step.
  const catchAll = cfg.rules?.[0]?.match.prefix === '/' ? cfg.rules[0].requires : undefined;
  const gatewayJson = catchAll ? JSON.stringify(catchAll) : undefined;
  const gatewayStep = catchAll ? rules[0]!.verifier : undefined;
  const named = new Map(
    Object.entries(cfg.requirement_map ?? {}).map(([name, r]): [string, Steps] => {
      const [first, second, ...rest] = r.requires_all?.requirements ?? [];
      if (gatewayStep && first && second && !rest.length && JSON.stringify(first) === gatewayJson) {
        return [name, { kind: 'steps', gateway: gatewayStep, destination: compileRequirement(second, providers) }];
      }
      return [name, { kind: 'steps', destination: compileRequirement(r, providers) }];
    }),
  );
  const redact = tokenParams([...providers.values()].map((p) => p.config));
  const bypassPreflight = cfg.bypass_cors_preflight === true;
  // Per-route configs are snapshot objects: resolved once each, not per request.
  const perRoute = new WeakMap<object, PerRoute>();

  const resolvePerRoute = (raw: object): PerRoute => {
    let got = perRoute.get(raw);
    if (!got) {
      const parsed = JwtPerRouteConfig.safeParse(raw);
      if (!parsed.success) got = { kind: 'error', message: 'invalid per-route config' };
      else if (parsed.data.disabled) got = { kind: 'disabled' };
      else {
        const name = parsed.data.requirement_name ?? '';
        got = named.get(name) ?? { kind: 'error', message: `Wrong requirement_name: ${name}. It should be one of [${[...named.keys()].join(',')}]` };
      }
      perRoute.set(raw, got);
    }
    return got;
  };

  /** The realm Envoy sends: the request URI, with any query token left out (never echoed back). */
  const realm = (ctx: FilterContext, originalQuery: string) => {
    let query = originalQuery;
    for (const name of redact) query = removeQueryParam(query, name);
    const path = `${ctx.path}${query ? `?${query}` : ''}`.slice(0, MAX_REALM_PATH);
    return `${ctx.scheme}://${ctx.authority}${path}`;
  };

  /** The steps of the route the request matches now: its per-route config, else the listener rule for its path. */
  const stepsOf = (ctx: FilterContext): PerRoute => {
    const raw = ctx.route?.typed_per_filter_config?.[JWT_AUTHN_FILTER];
    return raw ? resolvePerRoute(raw) : (rules.find((r) => r.matches(ctx.path))?.steps ?? NO_STEPS);
  };

  return {
    name: JWT_AUTHN_FILTER,
    async onRequest(ctx) {
      if (bypassPreflight && isCorsPreflight(ctx)) return undefined;
      let steps = stepsOf(ctx);
      if (steps.kind !== 'steps' || (!steps.gateway && !steps.destination)) {
        ctx.pinRoute?.(); // nothing here changes routing, and nothing after may
        return steps.kind === 'error' ? failedConfig(steps.message) : undefined;
      }

      // The realm is the URI as received: tokens removed during verification do not change it.
      const originalQuery = ctx.query;
      const run: VerifyRun = { view: ctx, nowMs: ctx.rt.now(), verified: [] };
      const check = async (step: Verifier): Promise<Response | Verified[] | undefined> => {
        const from = run.verified.length;
        const status = await step(run);
        if (status !== JwtStatus.Ok) {
          const challenge = `Bearer realm="${realm(ctx, originalQuery)}"${status === JwtStatus.JwtMissed ? '' : ', error="invalid_token"'}`;
          return localReply(status === JwtStatus.JwtAudienceNotAllowed ? 403 : 401, status, { 'www-authenticate': challenge });
        }
        return run.verified.length > from ? run.verified.slice(from) : undefined;
      };

      // The gateway's step: its tokens are the request's identity at the gateway (routes, gateway
      // and mesh-wide authorization).
      const gateway = steps.gateway;
      if (gateway) {
        const got = await check(gateway);
        if (got instanceof Response) return got;
        if (got) Object.assign(ctx.metadata, identityMetadata(got));
      }
      // Routing is final here: claims may have selected another route (Envoy clears the route
      // cache after jwt_authn), and nothing the destination's step does changes it, as that
      // destination's sidecar runs after the gateway routed.
      ctx.pinRoute?.();
      if (gateway) {
        const now = stepsOf(ctx);
        if (now.kind === 'error') return failedConfig(now.message);
        if (now.kind === 'disabled') return undefined;
        steps = now;
      }
      const destination = steps.destination;
      if (!destination || destination === gateway) return undefined;
      const got = await check(destination);
      if (got instanceof Response) return got;
      // The destination's own tokens are the identity its sidecar would judge (authz/destination.ts).
      if (got) ctx.metadata[DESTINATION_AUTHN] = { verified: got };
      return undefined;
    },
  };
}

function failedConfig(message: string): Response {
  return localReply(403, `Failed JWT authentication: ${message}`);
}

registerHttpFilter(JWT_AUTHN_FILTER, compileJwtAuthn);
