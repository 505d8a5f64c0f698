import type { Cluster } from '../../../../src/xds/resources/cluster.ts';
import type { ClusterLoadAssignment } from '../../../../src/xds/resources/endpoint.ts';

export interface Ep {
  ip: string;
  port?: number;
  weight?: number;
  health?: 'HEALTHY' | 'UNHEALTHY' | 'DRAINING';
  labels?: Record<string, string>;
}

export function cla(name: string, groups: Array<{ eps: Ep[]; weight?: number; priority?: number; zone?: string }>): ClusterLoadAssignment {
  return {
    cluster_name: name,
    endpoints: groups.map((g) => ({
      ...(g.zone ? { locality: { region: 'r', zone: g.zone } } : {}),
      ...(g.weight !== undefined ? { load_balancing_weight: g.weight } : {}),
      ...(g.priority !== undefined ? { priority: g.priority } : {}),
      lb_endpoints: g.eps.map((e) => ({
        endpoint: { address: { socket_address: { address: e.ip, port_value: e.port ?? 8080 } } },
        ...(e.health ? { health_status: e.health } : {}),
        ...(e.weight !== undefined ? { load_balancing_weight: e.weight } : {}),
        ...(e.labels ? { metadata: { filter_metadata: { 'envoy.lb': e.labels } } } : {}),
      })),
    })),
  };
}

export const eds = (name: string, extra: Partial<Cluster> = {}): Cluster => ({
  name,
  type: 'EDS',
  eds_cluster_config: { service_name: name },
  connect_timeout: '10s',
  ...extra,
});

export const ips = (n: number, prefix = '10.0.0.') => Array.from({ length: n }, (_, i) => ({ ip: `${prefix}${i + 1}` }));

export function count<T>(xs: T[]): Map<T, number> {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
