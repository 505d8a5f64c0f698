import type { Node } from './protocol.ts';
import { hostsMatch } from './hosts.ts';
import type { PushContext, Service, Sidecar } from './push-context.ts';

// The Sidecar resource that scopes a proxy (Istio SidecarScope): a workload-selected Sidecar in
// the proxy's namespace, else the namespace's selector-less one, else the root namespace's (the
// mesh default). It sets the outbound traffic policy and which hosts the proxy sees.

export function sidecarFor(push: PushContext, node: Pick<Node, 'namespace' | 'labels'>): Sidecar | undefined {
  const inNs = push.sidecars.filter((s) => s.metadata.namespace === node.namespace);
  // A workloadSelector selects the proxies carrying all its labels; empty labels select every proxy (Istio SubsetOf).
  const selected = inNs.find((s) => {
    const labels = s.spec.workloadSelector?.labels;
    return !!s.spec.workloadSelector && Object.entries(labels ?? {}).every(([k, v]) => node.labels[k] === v);
  });
  return selected ?? inNs.find((s) => !s.spec.workloadSelector) ?? push.sidecars.find((s) => s.metadata.namespace === push.mesh.rootNamespace && !s.spec.workloadSelector);
}

/** REGISTRY_ONLY or ALLOW_ANY: the Sidecar's policy when it has one (an object without mode is REGISTRY_ONLY), else MeshConfig's. */
export function outboundPolicy(push: PushContext, sidecar: Sidecar | undefined): 'ALLOW_ANY' | 'REGISTRY_ONLY' {
  const p = sidecar?.spec.outboundTrafficPolicy;
  if (p) return p.mode ?? 'REGISTRY_ONLY';
  return push.mesh.outboundTrafficPolicy;
}

/**
 * Does the Sidecar's egress `hosts` (`ns/dnsName`, `~` none, `.` own namespace) admit this host of
 * a config in `namespace` (a ServiceEntry's, or a VirtualService's: Istio imports a VirtualService
 * only when one of its hosts is imported from its namespace, sidecar.go SelectVirtualServices)?
 */
export function sidecarAdmits(sidecar: Sidecar | undefined, service: Pick<Service, 'hostname' | 'namespace'>): boolean {
  const listeners = sidecar?.spec.egress;
  if (!sidecar || !listeners?.length) return true;
  return listeners.some((l) =>
    (l.hosts ?? []).some((h) => {
      const slash = h.indexOf('/');
      const ns = slash < 0 ? '*' : h.slice(0, slash);
      const dns = slash < 0 ? h : h.slice(slash + 1);
      if (ns === '~') return false;
      const nsOk = ns === '*' || (ns === '.' ? sidecar.metadata.namespace : ns) === service.namespace;
      return nsOk && hostsMatch(service.hostname, dns.toLowerCase());
    }),
  );
}
