import { expect } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext, type PushContext } from '../../../../../src/xds/push-context.ts';
import type { Node } from '../../../../../src/xds/protocol.ts';

export const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };

/** Istio YAML documents (no validation errors allowed), oldest first in document order. */
export function pushOf(yaml: string): PushContext {
  const { resources, issues } = loadManifest(yaml);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return buildPushContext(resources.map((r, i) => ({ ...r.resource, metadata: { ...r.resource.metadata, creationTimestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` } })), 1);
}

export function meshConfig(mesh: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n---\n`;
}

/** An AuthorizationPolicy document; `spec` is YAML indented by 2. */
export function ap(name: string, ns: string, spec: string): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec.replace(/^\n/, '')}\n---\n`;
}
