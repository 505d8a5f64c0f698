import type { Resource } from '../config/meta.ts';
import type { VirtualServiceSpec } from '../config/kinds/networking/virtual-service.ts';
import type { DestinationRuleSpec } from '../config/kinds/networking/destination-rule.ts';
import type { ServiceEntrySpec, ServicePort } from '../config/kinds/networking/service-entry.ts';
import type { WorkloadEntrySpec } from '../config/kinds/networking/workload-entry.ts';
import type { GatewaySpec } from '../config/kinds/networking/gateway.ts';
import type { SidecarSpec } from '../config/kinds/networking/sidecar.ts';
import { parseMeshConfig } from '../config/kinds/mesh/mesh-config.ts';
import { meshSettings, type MeshSettings } from './mesh-settings.ts';
import { normalizeHost } from './hosts.ts';
import { serviceEntryRank, visibleTo } from '../config/destination-rule-lookup.ts';

// The push context (Istio pilot/pkg/model/push_context.go): the whole config indexed once per
// config version, so generating each proxy's snapshot is lookups, not scans.

export type VirtualService = Resource<VirtualServiceSpec>;
export type DestinationRule = Resource<DestinationRuleSpec>;
export type ServiceEntry = Resource<ServiceEntrySpec>;
export type WorkloadEntry = Resource<WorkloadEntrySpec>;
export type Gateway = Resource<GatewaySpec>;
export type Sidecar = Resource<SidecarSpec>;

/** One endpoint of a service: a ServiceEntry endpoint or a selected WorkloadEntry. */
export interface ServiceEndpoint {
  address: string;
  /** Port name → endpoint port (WorkloadEntry `ports`). */
  ports: Record<string, number>;
  labels: Record<string, string>;
  locality?: string;
  weight?: number;
  serviceAccount?: string;
  network?: string;
}

/** A host in the registry, from a ServiceEntry. */
export interface Service {
  hostname: string;
  namespace: string;
  entry: ServiceEntry;
  ports: readonly ServicePort[];
  resolution: NonNullable<ServiceEntrySpec['resolution']>;
  location: NonNullable<ServiceEntrySpec['location']>;
  endpoints: ServiceEndpoint[];
  exportTo: readonly string[];
}

export interface PushContext {
  configVersion: number;
  /** The mesh trust bundle's public half (root certificates, JWT-SVID JWKS), when the control plane has a CA. */
  /** The mesh trust bundle; `changesAt`: when a root or JWT key in it retires (epoch ms). */
  trustBundle?: { roots: readonly string[]; jwks?: string; changesAt?: number };
  mesh: MeshSettings;
  virtualServices: VirtualService[];
  destinationRules: DestinationRule[];
  serviceEntries: ServiceEntry[];
  workloadEntries: WorkloadEntry[];
  gateways: Gateway[];
  sidecars: Sidecar[];
  /** Every other kind, by kind, oldest first (security and telemetry policies). */
  byKind: Map<string, Resource[]>;
  /** Registry: hostname (possibly wildcard) → service. */
  services: Map<string, Service>;
}

/** Istio orders configs by creation time, then namespace/name (model.sortConfigByCreationTime). */
export function byCreation(a: Resource, b: Resource): number {
  const ta = a.metadata.creationTimestamp ?? '';
  const tb = b.metadata.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const ka = `${a.metadata.namespace}/${a.metadata.name}`;
  const kb = `${b.metadata.namespace}/${b.metadata.name}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

export function buildPushContext(resources: readonly Resource[], configVersion: number, opts: { trustBundle?: PushContext['trustBundle'] } = {}): PushContext {
  const byKind = new Map<string, Resource[]>();
  let meshText: string | undefined;
  for (const r of resources) {
    if (r.kind === 'ConfigMap') {
      meshText = (r.spec as { mesh?: string }).mesh;
      continue;
    }
    const list = byKind.get(r.kind) ?? [];
    list.push(r);
    byKind.set(r.kind, list);
  }
  for (const list of byKind.values()) list.sort(byCreation);
  const get = <T>(kind: string) => (byKind.get(kind) ?? []) as Resource<T>[];
  const mesh = meshSettings(parseMeshConfig(meshText));
  const serviceEntries = get<ServiceEntrySpec>('ServiceEntry');
  const workloadEntries = get<WorkloadEntrySpec>('WorkloadEntry');
  return {
    configVersion,
    ...(opts.trustBundle ? { trustBundle: opts.trustBundle } : {}),
    mesh,
    virtualServices: get<VirtualServiceSpec>('VirtualService'),
    destinationRules: get<DestinationRuleSpec>('DestinationRule'),
    serviceEntries,
    workloadEntries,
    gateways: get<GatewaySpec>('Gateway'),
    sidecars: get<SidecarSpec>('Sidecar'),
    byKind,
    services: buildRegistry(serviceEntries, workloadEntries, mesh),
  };
}

/** The namespace meshgate's gateway proxies run in (DESIGN.md "Ports and roles"). */
export const GATEWAY_PROXY_NAMESPACE = 'istio-system';

/**
 * One Service per host name, as the gateways (in istio-system) see the registry: among the
 * ServiceEntries for a host, the oldest one in istio-system, else the oldest exported to it by
 * name, else the oldest public one (Istio keeps the oldest per host *and namespace*, and a proxy
 * picks among those visible to it in that order: push_context.go initServiceRegistry,
 * servicesExportedToNamespace). A host no ServiceEntry exports there keeps its oldest entry,
 * which every visibility check then leaves out.
 */
function buildRegistry(entries: readonly ServiceEntry[], workloads: readonly WorkloadEntry[], mesh: MeshSettings): Map<string, Service> {
  const services = new Map<string, Service>();
  // Istio's order (servicesExportedToNamespace): the proxy's own namespace, then entries exported
  // to it by name, then public ones; an entry it cannot see last.
  const rank = (s: Service) => serviceEntryRank(s.namespace, s.exportTo, GATEWAY_PROXY_NAMESPACE);
  for (const se of entries) {
    const spec = se.spec;
    const ns = se.metadata.namespace;
    const endpoints: ServiceEndpoint[] = spec.workloadSelector
      ? workloads
          .filter((w) => w.metadata.namespace === ns && Object.entries(spec.workloadSelector?.labels ?? {}).every(([k, v]) => w.spec.labels?.[k] === v))
          .map((w) => toEndpoint(w.spec))
      : (spec.endpoints ?? []).map(toEndpoint);
    // ServiceEntry hosts are names as written: Istio expands short names in VirtualService,
    // destination and DestinationRule hosts, never here (serviceentry conversion.go).
    for (const hostname of spec.hosts.map(normalizeHost)) {
      const svc: Service = {
        hostname,
        namespace: ns,
        entry: se,
        ports: spec.ports ?? [],
        resolution: spec.resolution ?? 'NONE',
        location: spec.location ?? 'MESH_EXTERNAL',
        endpoints,
        exportTo: spec.exportTo?.length ? spec.exportTo : mesh.defaultServiceExportTo,
      };
      // Entries come oldest first: a later one replaces only a worse-ranked one.
      const prior = services.get(hostname);
      if (!prior || rank(svc) < rank(prior)) services.set(hostname, svc);
    }
  }
  return services;
}

function toEndpoint(w: WorkloadEntrySpec): ServiceEndpoint {
  // No `locality`: the `istio-locality` label, dots for slashes (Istio convertEndpoint, GetLocalityLabel).
  const label = w.labels?.['istio-locality'];
  const locality = w.locality || (label?.includes('/') ? label : label?.replaceAll('.', '/'));
  return {
    address: w.address ?? '',
    ports: w.ports ?? {},
    labels: w.labels ?? {},
    ...(locality ? { locality } : {}),
    ...(w.weight ? { weight: w.weight } : {}),
    ...(w.serviceAccount ? { serviceAccount: w.serviceAccount } : {}),
    ...(w.network ? { network: w.network } : {}),
  };
}

export { visibleTo };
