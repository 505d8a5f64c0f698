import { expect } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../../src/xds/push-context.ts';

/** A push context from Istio manifests; documents are created one second apart, in order. */
export function push(...texts: string[]) {
  const resources = texts.flatMap((t, i) => {
    const r = loadManifest(t, { source: `m${i}` });
    expect(r.issues.filter((x) => x.severity === 'error')).toEqual([]);
    return r.resources.map((x, j) => ({ ...x.resource, metadata: { ...x.resource.metadata, creationTimestamp: `2026-01-01T00:00:${String(i * 10 + j).padStart(2, '0')}Z` } }));
  });
  return buildPushContext(resources, 1);
}
