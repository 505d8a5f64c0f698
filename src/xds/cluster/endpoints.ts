import type { ServicePort } from '../../config/kinds/networking/service-entry.ts';
import type { LbEndpoint } from '../resources/endpoint.ts';
import type { ClusterLoadAssignment } from '../resources/endpoint.ts';
import type { Service, ServiceEndpoint } from '../push-context.ts';

// A service's endpoints for one cluster (port, subset) as Envoy LocalityLbEndpoints, the way
// Istio's EndpointBuilder builds them (pilot/pkg/xds/endpoints/endpoint_builder.go): filtered by
// the subset's labels, grouped by locality, each endpoint HEALTHY with weight (default 1), each
// locality weighted by the sum of its endpoints' weights.

type LocalityLbEndpoints = ClusterLoadAssignment['endpoints'][number];

const matchesLabels = (ep: ServiceEndpoint, labels: Record<string, string> | undefined) => Object.entries(labels ?? {}).every(([k, v]) => ep.labels[k] === v);

/**
 * The endpoints a cluster of `service` reaches. A DNS ServiceEntry without endpoints (and without
 * a workloadSelector) resolves its own host name (service_entry.proto, NOTE 1).
 */
export function serviceEndpoints(service: Service): ServiceEndpoint[] {
  const spec = service.entry.spec;
  const dns = service.resolution === 'DNS' || service.resolution === 'DNS_ROUND_ROBIN';
  if (dns && !spec.endpoints?.length && !spec.workloadSelector) return [{ address: service.hostname, ports: {}, labels: {} }];
  return service.endpoints;
}

/** Endpoint port: the endpoint's port for the service port's name, else targetPort, else the port. */
export const endpointPort = (ep: ServiceEndpoint, port: ServicePort) => ep.ports[port.name] ?? port.targetPort ?? port.number;

function lbEndpoint(ep: ServiceEndpoint, port: ServicePort): LbEndpoint {
  return {
    // `worker:BINDING` stays as the address: a service binding of the gateway worker.
    endpoint: { address: { socket_address: { address: ep.address, port_value: endpointPort(ep, port) } } },
    health_status: 'HEALTHY',
    load_balancing_weight: ep.weight && ep.weight > 0 ? ep.weight : 1,
    // Labels under Envoy's subset-LB key, so the data plane (and proxy-config readers) see them.
    ...(Object.keys(ep.labels).length ? { metadata: { filter_metadata: { 'envoy.lb': { ...ep.labels } } } } : {}),
  };
}

/** `region/zone/subzone` (util.ConvertLocality: an empty locality is `{}`). */
function locality(l: string): NonNullable<LocalityLbEndpoints['locality']> {
  const [region, zone, sub_zone] = l.split('/');
  return { ...(region ? { region } : {}), ...(zone ? { zone } : {}), ...(sub_zone ? { sub_zone } : {}) };
}

export function localityLbEndpoints(service: Service, port: ServicePort, subsetLabels?: Record<string, string>): LocalityLbEndpoints[] {
  const groups = new Map<string, LbEndpoint[]>();
  for (const ep of serviceEndpoints(service)) {
    // unix sockets cannot be reached from a Worker; an empty address names only a network.
    if (!ep.address || ep.address.startsWith('unix://') || !matchesLabels(ep, subsetLabels)) continue;
    const key = ep.locality ?? '';
    const list = groups.get(key) ?? [];
    list.push(lbEndpoint(ep, port));
    groups.set(key, list);
  }
  return [...groups].map(([key, lb_endpoints]) => {
    return {
      locality: locality(key),
      lb_endpoints,
      load_balancing_weight: lb_endpoints.reduce((s, e) => s + (e.load_balancing_weight ?? 1), 0),
    };
  });
}
