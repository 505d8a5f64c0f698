import { expect } from 'vitest';
import { analyze } from '../../../../src/config/analyze/index.ts';
import type { Issue } from '../../../../src/config/issues.ts';
import { loadManifest } from '../../../../src/config/manifest.ts';

// Shared pieces for the analyzer tests: load a manifest (it must validate), analyze it, pick
// findings by code.

export function run(yaml: string, opts?: { meshConfig?: unknown }): Issue[] {
  const loaded = loadManifest(yaml, { source: 'test.yaml' });
  expect(loaded.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return analyze(loaded.resources, opts);
}

export const withCode = (issues: Issue[], code: string) => issues.filter((i) => i.code === code);

/** The ServiceEntry + DestinationRule + Gateway most tests start from (bookinfo on the ingress gateway). */
export const BASE = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [{number: 9080, name: http, protocol: HTTP}]
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: external, namespace: bookinfo}
spec:
  hosts: ["*.example.com"]
  resolution: DNS
  ports: [{number: 443, name: https, protocol: TLS}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews, namespace: bookinfo}
spec:
  host: reviews
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: bookinfo-gateway, namespace: bookinfo}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["bookinfo.example.com"]
`;

export const doc = (...parts: string[]) => parts.join('\n---\n');
