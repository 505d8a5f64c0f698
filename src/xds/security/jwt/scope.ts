import type { Resource } from '../../../config/meta.ts';
import type { HTTPRoute } from '../../../config/kinds/networking/virtual-service.ts';
import type { RequestAuthenticationSpec } from '../../../config/kinds/security/request-authentication.ts';
import { destinationRuleFor } from '../../destination-rules.ts';
import { resolveShortName } from '../../hosts.ts';
import type { Node } from '../../protocol.ts';
import type { PushContext, Service } from '../../push-context.ts';
import { GATEWAY_PROXY_NAMESPACE } from '../../push-context.ts';

/** The proxy a snapshot is for, as far as DestinationRule selection goes. */
export type ProxyView = Pick<Node, 'namespace' | 'labels'>;

// Which RequestAuthentications apply to a request at a gateway (docs/security.md "Scope"):
// (a) mesh-wide: root namespace, no selector, no targetRef;
// (b) gateway: the gateway's namespace, no selector or a selector matching the gateway's labels,
//     and root-namespace policies whose selector matches them;
// (c) destination: the namespace of the service a route sends to — no selector, a selector
//     matching the labels of the endpoints the route reaches (subset), or a targetRef to that
//     ServiceEntry / Service — and root-namespace policies whose selector matches those labels;
//     evaluated per route, as the destination's sidecar would.
// Istio: pilot/pkg/model/authentication.go GetJwtPoliciesForWorkload (workload namespace, then
// the root namespace).

export type RequestAuthentication = Resource<RequestAuthenticationSpec>;

export const policyKey = (p: RequestAuthentication) => `${p.metadata.namespace}/${p.metadata.name}`;

/** Every RequestAuthentication with at least one rule, oldest first (the push context's order). */
export function requestAuthentications(push: PushContext): RequestAuthentication[] {
  return ((push.byKind.get('RequestAuthentication') ?? []) as RequestAuthentication[]).filter((p) => (p.spec.jwtRules?.length ?? 0) > 0);
}

const hasTargetRef = (p: RequestAuthentication) => !!p.spec.targetRef || (p.spec.targetRefs?.length ?? 0) > 0;
const selects = (p: RequestAuthentication, labels: Readonly<Record<string, string>>) =>
  Object.entries(p.spec.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v);

/** Mesh-wide ones are in every gateway's set, so destination sets leave them out. */
const isMeshWide = (push: PushContext, p: RequestAuthentication) => p.metadata.namespace === push.mesh.rootNamespace && !p.spec.selector && !hasTargetRef(p);

/** (a) + (b): the policies every request at this gateway is checked against. */
export function gatewayPolicies(push: PushContext, node: ProxyView): RequestAuthentication[] {
  return requestAuthentications(push).filter((p) => {
    if (isMeshWide(push, p)) return true;
    // targetRefs name Kubernetes Gateways or services, never an Istio gateway deployment.
    if (hasTargetRef(p)) return false;
    if (p.metadata.namespace === node.namespace) return !p.spec.selector || selects(p, node.labels);
    return p.metadata.namespace === push.mesh.rootNamespace && !!p.spec.selector && selects(p, node.labels);
  });
}

/** Labels of the endpoints a (service, subset) cluster reaches; a subset with no endpoints keeps its own labels. */
function endpointLabels(push: PushContext, service: Service, subset: string, proxy: ProxyView | undefined): Readonly<Record<string, string>>[] {
  if (!subset) return service.endpoints.map((e) => e.labels);
  // The subset as the proxy's cluster defines it (its DestinationRule view, workloadSelector included).
  const def = destinationRuleFor(push, proxy?.namespace ?? GATEWAY_PROXY_NAMESPACE, service.hostname, service.namespace, proxy?.labels)?.subsets.find((s) => s.name === subset);
  if (!def) return [];
  const want = Object.entries(def.labels ?? {});
  const eps = service.endpoints.filter((e) => want.every(([k, v]) => e.labels[k] === v)).map((e) => e.labels);
  return eps.length ? eps : [def.labels ?? {}];
}

function targets(p: RequestAuthentication, service: Service): boolean {
  const refs = [...(p.spec.targetRef ? [p.spec.targetRef] : []), ...(p.spec.targetRefs ?? [])];
  return refs.some((r) => {
    if (r.kind === 'ServiceEntry') return r.name === service.entry.metadata.name;
    if (r.kind === 'Service') return service.hostname.startsWith(`${r.name}.${service.namespace}.svc.`);
    return false;
  });
}

/** (c) for one destination (host, subset); oldest first. */
export function destinationPolicies(push: PushContext, host: string, subset: string, all = requestAuthentications(push), proxy?: ProxyView): RequestAuthentication[] {
  const service = push.services.get(host);
  if (!service) return [];
  const root = push.mesh.rootNamespace;
  const candidates = all.filter((p) => !isMeshWide(push, p) && (p.metadata.namespace === service.namespace || (p.metadata.namespace === root && !!p.spec.selector && !hasTargetRef(p))));
  if (!candidates.length) return [];
  let labels: Readonly<Record<string, string>>[] | undefined;
  return candidates.filter((p) => {
    if (hasTargetRef(p)) return targets(p, service);
    if (!p.spec.selector) return true;
    labels ??= endpointLabels(push, service, subset, proxy);
    return labels.some((l) => selects(p, l));
  });
}

/**
 * (c) for one HTTP route: the union over the destinations it sends to (weight-0 ones dropped as
 * the route translation drops them), oldest first. Both the route (per-route config) and the
 * listener (requirement_map) derive their names from this, so they always agree.
 */
export function routeDestinationPolicies(push: PushContext, vsNamespace: string, http: HTTPRoute, all = requestAuthentications(push), proxy?: ProxyView): RequestAuthentication[] {
  const dests = http.route ?? [];
  const live = dests.length === 1 ? dests : dests.filter((d) => (d.weight ?? 0) > 0);
  const found = new Set<RequestAuthentication>();
  for (const d of live) {
    for (const p of destinationPolicies(push, resolveShortName(d.destination.host, vsNamespace), d.destination.subset ?? '', all, proxy)) found.add(p);
  }
  return all.filter((p) => found.has(p));
}

/** Name of the requirement a route with destination-scoped policies uses (requirement_map key). */
export const destinationRequirementName = (policies: readonly RequestAuthentication[]) => `meshgate.destination:${policies.map(policyKey).join(',')}`;
