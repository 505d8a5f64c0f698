import { expect } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../src/xds/push-context.ts';
import { translateHttpRoutes, type RouteTranslation } from '../../../../src/xds/route/translate.ts';
import type { Route } from '../../../../src/xds/resources/route.ts';

/** Loads Istio YAML (no validation errors allowed) into a fresh translation context. */
export function setup(yaml: string): RouteTranslation {
  const { resources, issues } = loadManifest(yaml);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return { push: buildPushContext(resources.map((r) => r.resource), 1), clusters: new Map(), warnings: [] };
}

/** Routes of VirtualService `name` (namespace `ns`) for port 80 of gateway istio-system/gw. */
export function routesOf(tx: RouteTranslation, name = 'vs', ns = 'default', port = 80, gateways = ['istio-system/gw']): Route[] {
  const vs = tx.push.virtualServices.find((v) => v.metadata.name === name && v.metadata.namespace === ns);
  expect(vs, `VirtualService ${ns}/${name}`).toBeDefined();
  return translateHttpRoutes(tx, { vs: vs!, port, gateways: new Set(gateways) });
}

/** `routesOf` for a one-VirtualService manifest given only its `http:` list (YAML, indented 2). */
export function translate(http: string, extra = ''): { routes: Route[]; tx: RouteTranslation } {
  const tx = setup(`${vsYaml(http)}${extra ? `---\n${extra}` : ''}`);
  return { routes: routesOf(tx), tx };
}

export function vsYaml(http: string, name = 'vs', ns = 'default', more = ''): string {
  return `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [app.example.com]
  gateways: [istio-system/gw]
${more}  http:
${http}
`;
}

export const META = { filter_metadata: { istio: { config: '/apis/networking.istio.io/v1alpha3/namespaces/default/virtual-service/vs' } } };

/** Istio's built-in retry policy (current: 503 not retried). */
export const DEFAULT_RETRY = {
  retry_on: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes',
  num_retries: 2,
  retry_host_predicate: [{ name: 'envoy.retry_host_predicates.previous_hosts' }],
  host_selection_retry_max_attempts: '5',
};

/** Istio's timeout fields for a route without `timeout` (route.go setTimeout). */
export const NO_TIMEOUT = { timeout: '0s', max_grpc_timeout: '0s' };

/** The route action every plain `route: [{destination: {host}}]` gets, plus `extra`. */
export function action(cluster: string, extra: Record<string, unknown> = {}) {
  return { cluster, cluster_not_found_response_code: 'SERVICE_UNAVAILABLE', ...NO_TIMEOUT, retry_policy: DEFAULT_RETRY, ...extra };
}

/** The mesh ConfigMap (istio-system/istio) with `mesh` as its MeshConfig YAML. */
export function meshConfig(mesh: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n`;
}

/** A ServiceEntry for `host` with the given HTTP ports (namespace default). */
export function serviceEntry(name: string, host: string, ports: number[], ns = 'default'): string {
  return `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ${name}, namespace: ${ns}}
spec:
  hosts: [${host}]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [${ports.map((p) => `{number: ${p}, name: http-${p}, protocol: HTTP}`).join(', ')}]
`;
}
