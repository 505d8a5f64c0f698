import type { Node } from '../../protocol.ts';
import type { PushContext, Service } from '../../push-context.ts';
import { DOMAIN_SUFFIX } from '../../hosts.ts';
import type { AuthorizationPolicy } from './policy.ts';

// Where an AuthorizationPolicy applies in meshgate (docs/security.md "Where a policy applies").
// meshgate has no sidecars: the gateway is the only enforcement point and acts for the
// destination, as Istio ambient's waypoint does.
// (a) mesh-wide: root namespace, no selector and no targetRefs — at every gateway listener;
// (b) gateway: in the gateway's namespace (or the root namespace) with a selector matching the
//     gateway's labels, or in the gateway's namespace without selector — at its listeners;
// (c) destination: in the namespace of the service a route sends to, with no selector, a
//     selector matching the destination endpoints' labels, or targetRef(s) to that ServiceEntry
//     (or Service of that name); and root-namespace policies whose selector matches those labels —
//     per route, after the gateway's own.
// https://istio.io/latest/docs/reference/config/security/authorization-policy/

export function authorizationPolicies(push: PushContext): AuthorizationPolicy[] {
  return (push.byKind.get('AuthorizationPolicy') ?? []) as AuthorizationPolicy[];
}

const selectorLabels = (p: AuthorizationPolicy) => p.spec.selector?.matchLabels;
const hasTargets = (p: AuthorizationPolicy) => p.spec.targetRef !== undefined || (p.spec.targetRefs?.length ?? 0) > 0;
const labelsMatch = (sel: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) => Object.entries(sel).every(([k, v]) => labels[k] === v);

export function isMeshWide(push: PushContext, p: AuthorizationPolicy): boolean {
  return p.metadata.namespace === push.mesh.rootNamespace && !p.spec.selector && !hasTargets(p);
}

/**
 * (a) + (b). targetRefs name Kubernetes Gateway API gateways, Services or ServiceEntries; none of
 * them is a meshgate gateway proxy, so such policies never select the gateway itself.
 */
export function gatewayPolicies(push: PushContext, node: Pick<Node, 'namespace' | 'labels'>): AuthorizationPolicy[] {
  const root = push.mesh.rootNamespace;
  return authorizationPolicies(push).filter((p) => {
    if (hasTargets(p)) return false;
    const ns = p.metadata.namespace;
    if (ns !== root && ns !== node.namespace) return false;
    const sel = selectorLabels(p);
    if (!p.spec.selector) return true;
    return labelsMatch(sel ?? {}, node.labels);
  });
}

/** Does the policy target this service (targetRef kind ServiceEntry by name, or Service `name.ns.svc.<domain>`)? */
function targets(p: AuthorizationPolicy, s: Service): boolean {
  const refs = [...(p.spec.targetRef ? [p.spec.targetRef] : []), ...(p.spec.targetRefs ?? [])];
  return refs.some((r) =>
    r.kind === 'ServiceEntry' ? r.name === s.entry.metadata.name : r.kind === 'Service' ? s.hostname === `${r.name}.${s.namespace}.svc.${DOMAIN_SUFFIX}` : false,
  );
}

/**
 * (c) without the mesh-wide ones: the destination's own policies for endpoints with `labels`
 * (`undefined` labels: a destination without endpoints, where only selector-less and targetRef
 * policies can apply).
 */
export function destinationPolicies(push: PushContext, s: Service, labels: Readonly<Record<string, string>> | undefined): AuthorizationPolicy[] {
  const root = push.mesh.rootNamespace;
  return authorizationPolicies(push).filter((p) => {
    if (isMeshWide(push, p)) return false;
    const ns = p.metadata.namespace;
    if (hasTargets(p)) return ns === s.namespace && targets(p, s);
    if (ns !== s.namespace && ns !== root) return false;
    if (!p.spec.selector) return ns === s.namespace;
    return labels !== undefined && labelsMatch(selectorLabels(p) ?? {}, labels);
  });
}
