import type { DeltaTypeUpdate } from './protocol.ts';
import { nameOf, type Snapshot } from './snapshot.ts';
import { PUSH_ORDER, TYPE_URL } from './type-urls.ts';

/**
 * The delta from what a proxy holds (per type, resource name → version) to `next`: changed and
 * new resources, and removed names, per type in make-before-break order (go-control-plane
 * createDeltaResponse). Types with no change are left out.
 */
export function diffSnapshot(held: Record<string, Record<string, string>>, next: Snapshot): DeltaTypeUpdate[] {
  const updates: DeltaTypeUpdate[] = [];
  for (const type of PUSH_ORDER) {
    const have = held[type] ?? {};
    const want = next.resource_versions[type] ?? {};
    const resources = (next.resources[type] as { name?: string; cluster_name?: string }[])
      .filter((r) => have[nameOf(type, r)] !== want[nameOf(type, r)])
      .map((r) => ({ name: nameOf(type, r), version: want[nameOf(type, r)]!, resource: r as unknown }));
    const removed_resources = Object.keys(have).filter((n) => !(n in want));
    if (resources.length || removed_resources.length) updates.push({ type_url: TYPE_URL[type], resources, removed_resources });
  }
  return updates;
}
