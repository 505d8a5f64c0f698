import { KINDS, canonicalApiVersion } from '../config/kinds/registry.ts';
import { resourceKey, type LoadedResource } from '../config/manifest.ts';
import type { ObjectMeta, Resource } from '../config/meta.ts';
import type { AdminClient } from './client.ts';

// The live config of a running mesh, read through the Kubernetes-style list paths of the admin
// API, as LoadedResources the analyzers take (istioctl analyze reads the cluster the same way).

interface ListBody {
  items?: ({ metadata: ObjectMeta } & Record<string, unknown>)[];
}

export async function readLiveConfig(client: AdminClient): Promise<LoadedResource[]> {
  const lists = await Promise.all(
    KINDS.map(async (def) => {
      const path = def.group ? `/apis/${def.group}/${def.versions[0]}/${def.plural}` : `/api/${def.versions[0]}/${def.plural}`;
      const res = await client.request<ListBody>('GET', path);
      return (res.body.items ?? []).map((item) => ({ def, item }));
    }),
  );
  return lists.flat().map(({ def, item }, document) => {
    const resource: Resource = { apiVersion: canonicalApiVersion(def), kind: def.kind, metadata: item.metadata, spec: item[def.body] ?? {} };
    return { resource, def, document, requestedApiVersion: resource.apiVersion, source: 'live' };
  });
}

/** Files win over live resources of the same kind, namespace and name (what apply would do). */
export function mergeOverLive(live: readonly LoadedResource[], files: readonly LoadedResource[]): LoadedResource[] {
  const key = (r: LoadedResource) => resourceKey(r.def, r.resource.metadata.namespace, r.resource.metadata.name);
  const fromFiles = new Set(files.map(key));
  return [...live.filter((r) => !fromFiles.has(key(r))), ...files];
}
