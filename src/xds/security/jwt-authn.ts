import type { HTTPRoute } from '../../config/kinds/networking/virtual-service.ts';
import type { JWTRule } from '../../config/kinds/security/request-authentication.ts';
import { JWT_AUTHN_PER_ROUTE_TYPE, JWT_AUTHN_TYPE, type JwtAuthentication, type JwtPerRouteConfig, type JwtProvider, type JwtRequirement } from '../filters/jwt-authn.ts';
import type { Node } from '../protocol.ts';
import type { PushContext, VirtualService } from '../push-context.ts';
import type { TypedConfig } from '../resources/common.ts';
import type { HttpFilter } from '../resources/listener.ts';
import { effectiveHttpRoutes } from '../route/delegate.ts';
import { toJwtProvider } from './jwt/provider.ts';
import { istioRequirement } from './jwt/requirement.ts';
import { destinationRequirementName, gatewayPolicies, requestAuthentications, routeDestinationPolicies, type ProxyView, type RequestAuthentication } from './jwt/scope.ts';

// RequestAuthentication → envoy.filters.http.jwt_authn for one gateway (Istio
// policy_applier.go JwtFilter / convertToEnvoyJwtConfig). The listener rule (`prefix: /`)
// carries the requirement of the mesh-wide and gateway-selected policies, exactly as Istio
// generates it for the gateway. A route whose destination has its own policies
// (docs/security.md "Where a policy applies") names a requirement in `requirement_map` through
// its typed_per_filter_config: the gateway's requirement AND the destination's (Istio's
// requirement over the mesh-wide and destination policies), checked in that order on the same
// request, as the gateway and then the destination's sidecar would.

export const JWT_AUTHN_FILTER = 'envoy.filters.http.jwt_authn';

interface RuleRef {
  policy: RequestAuthentication;
  rule: JWTRule;
}

/** Rules of the policies in push order, stably sorted by issuer (Istio sorts them so the config is deterministic). */
function sortedRules(policies: readonly RequestAuthentication[]): RuleRef[] {
  const refs = policies.flatMap((policy) => (policy.spec.jwtRules ?? []).map((rule) => ({ policy, rule })));
  return refs.map((r, i) => ({ r, i })).sort((a, b) => {
    const ia = a.r.rule.issuer ?? '';
    const ib = b.r.rule.issuer ?? '';
    return ia < ib ? -1 : ia > ib ? 1 : a.i - b.i;
  }).map((x) => x.r);
}

/** Destination policy sets reachable through any VirtualService route, by requirement name. */
function destinationSets(push: PushContext, all: RequestAuthentication[], proxy: ProxyView): Map<string, RequestAuthentication[]> {
  const sets = new Map<string, RequestAuthentication[]>();
  if (!all.some((p) => p.metadata.namespace !== push.mesh.rootNamespace || p.spec.selector)) return sets;
  const tx = { push, clusters: new Map(), warnings: [] };
  for (const vs of push.virtualServices) {
    if (!vs.spec.hosts?.length) continue; // delegates are expanded by the VirtualServices that use them
    for (const http of effectiveHttpRoutes(tx, vs)) {
      const ps = routeDestinationPolicies(push, vs.metadata.namespace, http, all, proxy);
      if (ps.length) sets.set(destinationRequirementName(ps), ps);
    }
  }
  return sets;
}

interface JwtPlan {
  /** Provider name per JWTRule: the gateway's rules first, numbered as Istio numbers them for the gateway (`origins-<i>` in issuer order), then every further destination rule. */
  names: Map<JWTRule, string>;
  providers: Record<string, JwtProvider>;
  gatewayRequirement: JwtRequirement | undefined;
  requirementMap: Record<string, JwtRequirement>;
}

/** One plan per push context and proxy view: the listener filter and every route's stages agree on provider names. */
const plans = new WeakMap<PushContext, Map<string, JwtPlan | null>>();

function jwtPlan(push: PushContext, proxy: ProxyView): JwtPlan | null {
  let byProxy = plans.get(push);
  if (!byProxy) plans.set(push, (byProxy = new Map()));
  const key = `${proxy.namespace}|${Object.entries(proxy.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}`;
  let plan = byProxy.get(key);
  if (plan === undefined) byProxy.set(key, (plan = buildPlan(push, proxy)));
  return plan;
}

function buildPlan(push: PushContext, proxy: ProxyView): JwtPlan | null {
  const all = requestAuthentications(push);
  if (!all.length) return null;
  const gateway = gatewayPolicies(push, proxy);
  const sets = destinationSets(push, all, proxy);
  if (!gateway.length && !sets.size) return null;

  const names = new Map<JWTRule, string>();
  const providers: Record<string, JwtProvider> = {};
  const name = (ref: RuleRef) => {
    let n = names.get(ref.rule);
    if (n === undefined) {
      n = `origins-${names.size}`;
      names.set(ref.rule, n);
      providers[n] = toJwtProvider(ref.rule);
    }
    return n;
  };
  const gatewayRequirement = istioRequirement(sortedRules(gateway).map(name));
  const meshWide = gateway.filter((p) => p.metadata.namespace === push.mesh.rootNamespace && !p.spec.selector);
  const requirementMap: Record<string, JwtRequirement> = {};
  for (const key of [...sets.keys()].sort()) {
    const workload = new Set<RequestAuthentication>([...meshWide, ...sets.get(key)!]);
    const destination = istioRequirement(sortedRules(all.filter((p) => workload.has(p))).map(name))!;
    requirementMap[key] = gatewayRequirement ? { requires_all: { requirements: [gatewayRequirement, destination] } } : destination;
  }
  return { names, providers, gatewayRequirement, requirementMap };
}

export function buildJwtAuthnFilters(push: PushContext, node: Node): HttpFilter[] {
  const plan = jwtPlan(push, node);
  if (!plan) return [];
  const config: JwtAuthentication = {
    '@type': JWT_AUTHN_TYPE,
    providers: plan.providers,
    ...(plan.gatewayRequirement ? { rules: [{ match: { prefix: '/' }, requires: plan.gatewayRequirement }] } : {}),
    ...(Object.keys(plan.requirementMap).length ? { requirement_map: plan.requirementMap } : {}),
    bypass_cors_preflight: true,
  };
  return [{ name: JWT_AUTHN_FILTER, typed_config: config }];
}

/**
 * The jwt_authn provider names of the RequestAuthentications a destination's sidecar would run
 * (its own and the mesh-wide ones): the tokens they verified are its request identity. Names
 * come from the same plan as the listener filter's providers.
 */
export function destinationJwtProviders(push: PushContext, proxy: ProxyView, policies: readonly RequestAuthentication[]): string[] {
  const plan = jwtPlan(push, proxy);
  if (!plan) return [];
  return [...new Set(policies.flatMap((p) => (p.spec.jwtRules ?? []).flatMap((r) => plan.names.get(r) ?? [])))].sort();
}

/**
 * typed_per_filter_config entry for a route whose destinations have their own
 * RequestAuthentications (empty otherwise); route/translate.ts spreads it in.
 */
export function jwtAuthnPerRoute(push: PushContext, vs: VirtualService, http: HTTPRoute, proxy?: ProxyView): Record<string, TypedConfig> {
  const all = requestAuthentications(push);
  if (!all.length || !http.route?.length) return {};
  const ps = routeDestinationPolicies(push, vs.metadata.namespace, http, all, proxy);
  if (!ps.length) return {};
  const perRoute: JwtPerRouteConfig = { '@type': JWT_AUTHN_PER_ROUTE_TYPE, requirement_name: destinationRequirementName(ps) };
  return { [JWT_AUTHN_FILTER]: perRoute };
}
