import type { Resource } from './meta.ts';
import type { KindDef } from './kinds/types.ts';

/** A stored resource as the API returns it: in the asked-for version, body under its own field. */
export function toWire(resource: Resource, def: KindDef, version: string = def.versions[0]!): Record<string, unknown> {
  return {
    apiVersion: def.group ? `${def.group}/${version}` : version,
    kind: resource.kind,
    metadata: resource.metadata,
    [def.body]: resource.spec,
  };
}
