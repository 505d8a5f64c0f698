import { expect } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { buildPushContext, type PushContext } from '../../../../src/xds/push-context.ts';
import { buildClusters, type ClusterBuild } from '../../../../src/xds/cluster/build.ts';
import type { ClusterRef } from '../../../../src/xds/cluster-name.ts';
import { Node, type Node as NodeT } from '../../../../src/xds/protocol.ts';
import { Cluster } from '../../../../src/xds/resources/cluster.ts';
import { ClusterLoadAssignment } from '../../../../src/xds/resources/endpoint.ts';

export function pushOf(yaml: string): PushContext {
  const r = loadManifest(yaml);
  expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return buildPushContext(r.resources.map((l) => l.resource), 1);
}

export const ingress: NodeT = Node.parse({ id: 'ingress', role: 'ingress' });
export const egress: NodeT = Node.parse({ id: 'egress', role: 'egress' });

export function build(yaml: string, refs: ClusterRef[], opts: { allServices?: boolean; node?: NodeT } = {}): ClusterBuild {
  const out = buildClusters(pushOf(yaml), opts.node ?? ingress, refs, { allServices: opts.allServices ?? false });
  // Every emitted resource obeys the snapshot contract.
  for (const c of out.clusters) Cluster.parse(c);
  for (const e of out.endpoints) ClusterLoadAssignment.parse(e);
  return out;
}

export const ref = (host: string, port: number, subset = ''): ClusterRef => ({ host, port, subset });

export function cluster(b: ClusterBuild, name: string) {
  const c = b.clusters.find((x) => x.name === name);
  expect(c, `cluster ${name}`).toBeDefined();
  return c!;
}

export function cla(b: ClusterBuild, name: string) {
  const e = b.endpoints.find((x) => x.cluster_name === name);
  expect(e, `ClusterLoadAssignment ${name}`).toBeDefined();
  return e!;
}

/** Istio's circuit breakers when the connection pool sets nothing. */
export const DEFAULT_THRESHOLDS = { thresholds: [{ max_connections: 4294967295, max_pending_requests: 4294967295, max_requests: 4294967295, max_retries: 4294967295, track_remaining: true }] };
