import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../src/xds/push-context.ts';
import { buildClusters } from '../../../../src/xds/cluster/build.ts';
import { clusterName, type ClusterRef } from '../../../../src/xds/cluster-name.ts';
import { resolveShortName } from '../../../../src/xds/hosts.ts';
import { consistencyErrors } from '../../../../src/xds/snapshot.ts';
import { Node } from '../../../../src/xds/protocol.ts';
import { Cluster } from '../../../../src/xds/resources/cluster.ts';
import { ClusterLoadAssignment } from '../../../../src/xds/resources/endpoint.ts';

// Property over the whole valid corpus (test/corpus/valid): one push context from every resource;
// for proxies in every namespace, with every VirtualService destination as a reference and every
// visible service, every emitted Cluster and ClusterLoadAssignment obeys the snapshot schemas,
// names are unique, every EDS cluster has its assignment and every assignment its cluster.

const dir = join(import.meta.dirname, '../../../corpus/valid');
const resources = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((f) => loadManifest(readFileSync(join(dir, f), 'utf8'), { source: f }).resources.map((l) => l.resource));
const push = buildPushContext(resources, 1);

function routeRefs(): ClusterRef[] {
  const refs: ClusterRef[] = [];
  for (const vs of push.virtualServices) {
    for (const route of vs.spec.http ?? []) {
      for (const d of [...(route.route ?? []).map((r) => r.destination), route.mirror].filter((x) => !!x)) {
        const host = resolveShortName(d.host, vs.metadata.namespace);
        const ports = push.services.get(host)?.ports ?? [];
        const port = d.port?.number ?? (ports.length === 1 ? ports[0]!.number : 80);
        refs.push({ host, port, subset: d.subset ?? '' });
      }
    }
  }
  return refs;
}

describe('valid corpus', () => {
  const namespaces = [...new Set(['istio-system', ...resources.map((r) => r.metadata.namespace)])].sort();
  test('has services, rules and references to exercise', () => {
    expect(push.services.size).toBeGreaterThan(5);
    expect(push.destinationRules.length).toBeGreaterThan(3);
    expect(routeRefs().length).toBeGreaterThan(5);
  });

  test.each(namespaces.flatMap((ns) => [[ns, 'ingress'], [ns, 'egress']] as const))('proxy in %s (%s): every resource parses and is consistent', (namespace, role) => {
    const node = Node.parse({ id: `${role}.${namespace}`, role, namespace });
    const refs = routeRefs();
    const b = buildClusters(push, node, refs, { allServices: role === 'egress' });
    for (const c of b.clusters) expect(() => Cluster.parse(c), c.name).not.toThrow();
    for (const e of b.endpoints) expect(() => ClusterLoadAssignment.parse(e), e.cluster_name).not.toThrow();
    const names = b.clusters.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))).toEqual(names);
    expect(consistencyErrors({ cluster: b.clusters, endpoint: b.endpoints, listener: [], route: [], secret: [] })).toEqual([]);
    // Every reference is either generated or reported missing, never both.
    for (const r of refs) expect(names.includes(clusterName(r)) !== b.missing.has(clusterName(r)), clusterName(r)).toBe(true);
    // No key or certificate material: TLS carries secret names only.
    expect(JSON.stringify(b)).not.toMatch(/BEGIN (CERTIFICATE|PRIVATE KEY|RSA)/);
  });
});
