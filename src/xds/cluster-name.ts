// Istio's cluster names: `outbound|PORT|SUBSET|HOST` (pilot/pkg/model/service.go BuildSubsetKey).
export const BLACKHOLE_CLUSTER = 'BlackHoleCluster';
export const PASSTHROUGH_CLUSTER = 'PassthroughCluster';

export interface ClusterRef {
  host: string;
  port: number;
  subset: string;
}

export const clusterName = (r: ClusterRef) => `outbound|${r.port}|${r.subset}|${r.host}`;

export function parseClusterName(name: string): ClusterRef | undefined {
  const m = /^outbound\|(\d+)\|([^|]*)\|(.+)$/.exec(name);
  return m ? { port: Number(m[1]), subset: m[2]!, host: m[3]! } : undefined;
}
