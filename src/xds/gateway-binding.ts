import type { Node } from './protocol.ts';
import { visibleTo, type Gateway, type PushContext, type VirtualService } from './push-context.ts';

// Which Gateways a proxy runs, and which VirtualServices a Gateway binds (Istio gateway.go,
// model.virtualservice: `gateways` names, server `ns/host` rules, exportTo).

/** A Gateway applies to a proxy when its selector's labels are all on the proxy (nil ⇒ all). */
export function gatewaysForProxy(push: PushContext, node: Pick<Node, 'labels'>): Gateway[] {
  return push.gateways.filter((g) => Object.entries(g.spec.selector ?? {}).every(([k, v]) => node.labels[k] === v));
}

/** `name` ⇒ `vsNamespace/name`; `name.ns.svc.cluster.local` (legacy) ⇒ `ns/name`; `mesh` stays. */
export function normalizeGatewayName(ref: string, vsNamespace: string): string {
  if (ref === 'mesh') return ref;
  if (ref.includes('/')) return ref;
  const legacy = /^([^.]+)\.([^.]+)\.svc\./.exec(ref);
  if (legacy) return `${legacy[2]}/${legacy[1]}`;
  return `${vsNamespace}/${ref}`;
}

/** The gateways a VirtualService's routes apply to (top level, default `mesh`). */
export function vsGateways(vs: VirtualService): string[] {
  const names = vs.spec.gateways?.length ? vs.spec.gateways : ['mesh'];
  return names.map((g) => normalizeGatewayName(g, vs.metadata.namespace));
}

/** Bound when the top-level gateways or any http match's `gateways` name this gateway. */
export function vsBoundTo(vs: VirtualService, gatewayName: string): boolean {
  if (vsGateways(vs).includes(gatewayName)) return true;
  return (vs.spec.http ?? []).some((r) => (r.match ?? []).some((m) => (m.gateways ?? []).some((g) => normalizeGatewayName(g, vs.metadata.namespace) === gatewayName)));
}

/** Server host `ns/dns`: does its namespace part admit a VirtualService from `vsNamespace`? */
export function splitServerHost(host: string, gatewayNamespace: string): { namespace: string; dnsName: string } {
  const slash = host.indexOf('/');
  if (slash < 0) return { namespace: '*', dnsName: host.toLowerCase() };
  const ns = host.slice(0, slash);
  return { namespace: ns === '.' ? gatewayNamespace : ns, dnsName: host.slice(slash + 1).toLowerCase() };
}

export function vsVisibleToGateway(push: PushContext, vs: VirtualService, gatewayNamespace: string): boolean {
  const exportTo = vs.spec.exportTo?.length ? vs.spec.exportTo : push.mesh.defaultVirtualServiceExportTo;
  return visibleTo(exportTo, vs.metadata.namespace, gatewayNamespace);
}
