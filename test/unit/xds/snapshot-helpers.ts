import { expect } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { buildPushContext } from '../../../src/xds/push-context.ts';
import type { Node } from '../../../src/xds/protocol.ts';

export const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };
export const egress: Node = { id: 'egress', role: 'egress', namespace: 'istio-system', labels: { istio: 'egressgateway' } };

/** A push context from manifests (no validation errors allowed); later documents are newer (creationTimestamp). */
export function push(...texts: string[]) {
  const resources = texts.flatMap((t, i) => {
    const r = loadManifest(t, { source: `m${i}` });
    expect(r.issues.filter((x) => x.severity === 'error')).toEqual([]);
    return r.resources.map((x, j) => ({ ...x.resource, metadata: { ...x.resource.metadata, creationTimestamp: `2026-01-01T00:00:${String(i * 10 + j).padStart(2, '0')}Z` } }));
  });
  return buildPushContext(resources, 7);
}
