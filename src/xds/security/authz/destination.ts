import type { Destination, HTTPRoute } from '../../../config/kinds/networking/virtual-service.ts';
import { resolveDestination } from '../../route/destination.ts';
import { destinationRuleFor } from '../../destination-rules.ts';
import { DESTINATION_AUTHZ_FILTER, DESTINATION_AUTHZ_PER_ROUTE_TYPE, type DestinationAuthzPerRoute } from '../../filters/rbac.ts';
import { resolveShortName } from '../../hosts.ts';
import type { PushContext, Service } from '../../push-context.ts';
import type { TypedConfig } from '../../resources/common.ts';
import { GATEWAY_PROXY_NAMESPACE } from '../../push-context.ts';
import type { RouteTarget, RouteTranslation } from '../../route/translate.ts';
import { actionOf, authorizationFilters } from './filters.ts';
import type { AuthorizationPolicy } from './policy.ts';
import { authorizationPolicies, destinationPolicies, isMeshWide } from './scope.ts';
import { destinationPolicies as destinationRequestAuthentications, requestAuthentications } from '../jwt/scope.ts';
import { destinationJwtProviders } from '../jwt-authn.ts';

// Destination-scoped authorization for one route (scope (c) in ./scope.ts): the filters a
// sidecar at each destination would run, as the route's typed_per_filter_config for
// `meshgate.filters.http.destination_authz`. Each distinct set of applicable policies is one
// stage and every stage must allow — a weighted route may reach any destination, and endpoints
// of one service with different labels may be selected by different policies.
//
// The destination's ALLOW set includes the mesh-wide ALLOW policies (they apply to every workload),
// so a request the gateway let through by a gateway-selected ALLOW still needs a mesh-wide or
// destination ALLOW when the destination would require one. Mesh-wide CUSTOM/DENY/AUDIT already
// ran at the listener and are not repeated.

type Stage = DestinationAuthzPerRoute['destinations'][number];

/** Labels the endpoints of the route's destination carry (subset labels narrow them). */
function endpointLabelSets(push: PushContext, s: Service, subset: string | undefined, proxy: RouteTranslation['proxy']): (Readonly<Record<string, string>> | undefined)[] {
  // The subset as the proxy's cluster defines it (its DestinationRule view, workloadSelector included).
  const subsetLabels = subset ? destinationRuleFor(push, proxy?.namespace ?? GATEWAY_PROXY_NAMESPACE, s.hostname, s.namespace, proxy?.labels)?.subsets.find((x) => x.name === subset)?.labels : undefined;
  const eps = s.endpoints.filter((e) => Object.entries(subsetLabels ?? {}).every(([k, v]) => e.labels[k] === v));
  if (!eps.length) return [subsetLabels];
  return eps.map((e) => e.labels);
}

export function destinationAuthorization(tx: RouteTranslation, target: RouteTarget, http: HTTPRoute): Record<string, TypedConfig> {
  const ns = target.vs.metadata.namespace;
  const stageDest = (d: Destination): StageDestination => ({
    host: resolveShortName(d.host, ns),
    ...(d.subset ? { subset: d.subset } : {}),
    ...(d.port?.number !== undefined ? { port: d.port.number } : {}),
  });
  const destinations = stagesFor(tx, (http.route ?? []).map((d) => stageDest(d.destination)), target.port);
  // A mirrored copy goes to another service, whose own policies judge it (as its sidecar would).
  const mirrors = [...(http.mirror ? [http.mirror] : []), ...(http.mirrors ?? []).map((m) => m.destination)]
    .map((d) => ({ cluster: resolveDestination(tx, target, d, ns).name, destinations: stagesFor(tx, [stageDest(d)], target.port) }))
    .filter((m) => m.destinations.length);
  if (!destinations.length && !mirrors.length) return {};
  const config: DestinationAuthzPerRoute = { '@type': DESTINATION_AUTHZ_PER_ROUTE_TYPE, destinations, ...(mirrors.length ? { mirrors } : {}) };
  return { [DESTINATION_AUTHZ_FILTER]: config };
}

/** A route's destination as the stages need it: the resolved host, its subset and port if named. */
export interface StageDestination {
  host: string;
  subset?: string;
  port?: number;
}

/** The destination stages for a route sending to `dests` from a listener on `listenerPort`, as its typed_per_filter_config. */
export function destinationStages(tx: RouteTranslation, dests: readonly StageDestination[], listenerPort: number): Record<string, TypedConfig> {
  const destinations = stagesFor(tx, dests, listenerPort);
  if (!destinations.length) return {};
  const config: DestinationAuthzPerRoute = { '@type': DESTINATION_AUTHZ_PER_ROUTE_TYPE, destinations };
  return { [DESTINATION_AUTHZ_FILTER]: config };
}

function stagesFor(tx: RouteTranslation, dests: readonly StageDestination[], listenerPort: number): Stage[] {
  const push = tx.push;
  const all = authorizationPolicies(push);
  if (!all.length || !dests.length) return [];
  const meshAllow = all.filter((p) => isMeshWide(push, p) && actionOf(p) === 'ALLOW');
  // A gateway-selected ALLOW may have let through what a mesh-wide ALLOW would not (conservative).
  const gatewayAllow = all.some((p) => !isMeshWide(push, p) && actionOf(p) === 'ALLOW' && [push.mesh.rootNamespace, GATEWAY_PROXY_NAMESPACE].includes(p.metadata.namespace));
  const stages: Stage[] = [];
  const seen = new Set<string>();
  const authn = requestAuthentications(push);
  const meshAuthn = authn.filter((p) => p.metadata.namespace === push.mesh.rootNamespace && !p.spec.selector && !p.spec.targetRef && !p.spec.targetRefs?.length);
  for (const d of dests) {
    const s = push.services.get(d.host);
    if (!s) continue;
    // Whose tokens are this destination's request identity: those its sidecar's providers verify.
    const proxy = tx.proxy ?? { namespace: GATEWAY_PROXY_NAMESPACE, labels: {} };
    const providers = authn.length ? destinationJwtProviders(push, proxy, [...meshAuthn, ...destinationRequestAuthentications(push, d.host, d.subset ?? '', authn, tx.proxy)]) : [];
    // The port a sidecar at the destination would see: the service port the route sends to (as
    // resolveDestination picks it), or that port's targetPort.
    const number = d.port ?? (s.ports.length === 1 ? s.ports[0]!.number : listenerPort);
    const sp = s.ports.find((x) => x.number === number);
    const port = sp?.targetPort || number;
    for (const labels of endpointLabelSets(push, s, d.subset, tx.proxy)) {
      const own = destinationPolicies(push, s, labels);
      const ownAllow = own.some((p) => actionOf(p) === 'ALLOW');
      if (!own.length && !(meshAllow.length && gatewayAllow)) continue;
      const policies: AuthorizationPolicy[] = [...own, ...(ownAllow || gatewayAllow ? meshAllow : [])];
      const key = `${port}|${policies.map((p) => `${p.metadata.namespace}/${p.metadata.name}`).join(',')}|${providers.join(',')}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const http_filters = authorizationFilters(push, policies).map((f) => ({ name: f.name, typed_config: f.typed_config ?? { '@type': '' } }));
      if (http_filters.length) stages.push({ name: d.subset ? `${d.host}|${d.subset}` : d.host, port, ...(providers.length ? { jwt_providers: providers } : {}), http_filters });
    }
  }
  return stages;
}
