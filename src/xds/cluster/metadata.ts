import type { ServicePort } from '../../config/kinds/networking/service-entry.ts';
import type { Metadata } from '../resources/common.ts';
import type { DestinationRule, Service } from '../push-context.ts';

// Cluster metadata as Istio writes it (cluster_builder.go addTelemetryMetadata,
// addNetworkingMetadata; util.AddConfigInfoMetadata, AddSubsetToMetadata), plus meshgate's
// upstream scheme for the fetch-based data plane.

/** `/apis/<group>/<version>/namespaces/<ns>/destination-rule/<name>`, as Istio's config metadata. */
export const configPath = (dr: DestinationRule) => `/apis/${dr.apiVersion}/namespaces/${dr.metadata.namespace}/destination-rule/${dr.metadata.name}`;

export function clusterMetadata(svc: Service, port: ServicePort, subset: string, rule: DestinationRule | undefined, scheme: 'http' | 'https'): Metadata {
  return {
    filter_metadata: {
      istio: {
        // A ServiceEntry host's service name is the host itself (serviceentry conversion).
        services: [{ host: svc.hostname, name: svc.hostname, namespace: svc.namespace }],
        default_original_port: port.number,
        ...(rule ? { config: configPath(rule) } : {}),
        ...(subset ? { subset } : {}),
        // applyDestinationRule marks the default cluster of a MESH_EXTERNAL service.
        ...(!subset && svc.location === 'MESH_EXTERNAL' ? { external: true } : {}),
      },
      meshgate: { upstream_scheme: scheme },
    },
  };
}
