import { z } from 'zod';
import { Cluster } from './resources/cluster.ts';
import { ClusterLoadAssignment } from './resources/endpoint.ts';
import { Listener } from './resources/listener.ts';
import { RouteConfiguration } from './resources/route.ts';
import { Secret } from './resources/secret.ts';
import { PUSH_ORDER, type ResourceType } from './type-urls.ts';
import { canonicalJson } from '../config/canonical.ts';

// A proxy's snapshot: every resource of each type, a content hash per resource and per type
// (go-control-plane pkg/cache/v3 Snapshot + ConstructVersionMap), and one overall version.
// Pure data: no transport here.

export const SnapshotResources = z.strictObject({
  cluster: z.array(Cluster),
  endpoint: z.array(ClusterLoadAssignment),
  listener: z.array(Listener),
  route: z.array(RouteConfiguration),
  secret: z.array(Secret),
});
export type SnapshotResources = z.infer<typeof SnapshotResources>;

export const Snapshot = z.strictObject({
  /** Overall version: hash of the per-type versions. */
  version: z.string(),
  /** The config store version this snapshot was generated from (for debugging and syncz). */
  config_version: z.number().int(),
  /** Per type: content hash of all its resources. */
  type_versions: z.record(z.string(), z.string()),
  /** Per type, per resource name: content hash. */
  resource_versions: z.record(z.string(), z.record(z.string(), z.string())),
  resources: SnapshotResources,
});
export type Snapshot = z.infer<typeof Snapshot>;

export const nameOf = (type: ResourceType, r: { name?: string; cluster_name?: string }): string => (type === 'endpoint' ? r.cluster_name! : r.name!);

/** Short content hash (SHA-256, hex, 16 chars). */
export async function contentHash(value: unknown): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(typeof value === 'string' ? value : canonicalJson(value)));
  return [...new Uint8Array(digest).slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Versions every resource and type; resources are sorted by name so equal content hashes equal. */
export async function makeSnapshot(resources: SnapshotResources, configVersion: number): Promise<Snapshot> {
  const sorted = {} as Record<ResourceType, unknown[]>;
  const type_versions: Record<string, string> = {};
  const resource_versions: Record<string, Record<string, string>> = {};
  for (const type of PUSH_ORDER) {
    const list = [...(resources[type] as { name?: string; cluster_name?: string }[])].sort((a, b) => (nameOf(type, a) < nameOf(type, b) ? -1 : 1));
    sorted[type] = list;
    const versions: Record<string, string> = {};
    for (const r of list) versions[nameOf(type, r)] = await contentHash(r);
    resource_versions[type] = versions;
    type_versions[type] = await contentHash(versions);
  }
  const version = await contentHash(type_versions);
  return { version, config_version: configVersion, type_versions, resource_versions, resources: sorted as SnapshotResources };
}

/**
 * go-control-plane's Snapshot.Consistent, for our wildcard-everything proxies: every cluster a
 * route names exists, every EDS cluster has its ClusterLoadAssignment, every listener's RDS name
 * exists. A route may name a cluster the config leaves undefined (a subset no DestinationRule
 * defines): Envoy answers 503 NC for it, so the translator passes those names as allowed.
 * Returns the problems (empty when consistent).
 */
export function consistencyErrors(s: SnapshotResources, opts: { allowedMissingClusters?: ReadonlySet<string> } = {}): string[] {
  const errors: string[] = [];
  const clusters = new Set(s.cluster.map((c) => c.name));
  const cla = new Set(s.endpoint.map((e) => e.cluster_name));
  const routes = new Set(s.route.map((r) => r.name));
  for (const c of s.cluster) {
    if (c.type === 'EDS' && !cla.has(c.eds_cluster_config?.service_name ?? c.name)) errors.push(`cluster ${c.name} has no ClusterLoadAssignment`);
  }
  for (const e of s.endpoint) if (!clusters.has(e.cluster_name)) errors.push(`ClusterLoadAssignment ${e.cluster_name} names no cluster`);
  for (const l of s.listener) {
    for (const fc of l.filter_chains) for (const f of fc.filters) {
      const name = f.typed_config.rds.route_config_name;
      if (!routes.has(name)) errors.push(`listener ${l.name} names route configuration ${name}, which does not exist`);
    }
  }
  for (const rc of s.route) for (const vh of rc.virtual_hosts) for (const r of vh.routes) {
    const names = [r.route?.cluster, ...(r.route?.weighted_clusters?.clusters.map((w) => w.name) ?? []), ...(r.route?.request_mirror_policies?.map((m) => m.cluster) ?? [])];
    for (const n of names) if (n && !clusters.has(n) && !opts.allowedMissingClusters?.has(n)) errors.push(`route ${rc.name}/${vh.name}/${r.name ?? '?'} names cluster ${n}, which does not exist`);
  }
  return errors;
}
