import { expect } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext, type PushContext } from '../../../../../src/xds/push-context.ts';
import type { Node } from '../../../../../src/xds/protocol.ts';
import type { Route } from '../../../../../src/xds/resources/route.ts';
import { buildAuthorizationFilters } from '../../../../../src/xds/security/authorization.ts';
import { compileHttpFilters, runFilters, type CompiledHttpFilter, type FilterContext } from '../../../../../src/gateway/filters/chain.ts';
import { testRuntime } from '../../../../../src/gateway/runtime.ts';
import '../../../../../src/gateway/filters/authz.ts';

export const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };

export function pushOf(yaml: string): PushContext {
  const { resources, issues } = loadManifest(yaml);
  expect(issues.filter((i) => i.severity === 'error')).toEqual([]);
  return buildPushContext(resources.map((r, i) => ({ ...r.resource, metadata: { ...r.resource.metadata, creationTimestamp: `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` } })), 1);
}

export function ap(name: string, ns: string, spec: string): string {
  return `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n${spec.replace(/^\n/, '')}\n---\n`;
}

export function meshConfig(mesh: string): string {
  return `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n${mesh.trim().split('\n').map((l) => `    ${l}`).join('\n')}\n---\n`;
}

/** The gateway listener's authorization filters for these policies, compiled by the data plane. */
export function chainFor(yaml: string): CompiledHttpFilter[] {
  return compileHttpFilters(buildAuthorizationFilters(pushOf(yaml), ingress));
}

export interface Req {
  method?: string;
  path?: string;
  query?: string;
  authority?: string;
  port?: number;
  scheme?: 'http' | 'https';
  clientIp?: string | null;
  peer?: FilterContext['peer'];
  headers?: Record<string, string>;
  body?: string;
  metadata?: Record<string, Record<string, unknown>>;
  route?: Route;
  env?: Record<string, unknown>;
}

export function ctxOf(r: Req = {}): FilterContext {
  const authority = r.authority ?? 'app.example.com';
  const path = r.path ?? '/';
  const method = r.method ?? 'GET';
  const request = new Request(`${r.scheme ?? 'http'}://${authority}${path}${r.query ? `?${r.query}` : ''}`, { method, headers: r.headers ?? {}, ...(r.body !== undefined ? { body: r.body } : {}) });
  return {
    request,
    headers: new Headers(request.headers),
    path,
    query: r.query ?? '',
    method,
    scheme: r.scheme ?? 'http',
    authority,
    port: r.port ?? 80,
    clientIp: r.clientIp === undefined ? '203.0.113.7' : r.clientIp,
    ...(r.peer ? { peer: r.peer } : {}),
    metadata: r.metadata ?? {},
    env: r.env ?? {},
    ...(r.route ? { route: r.route } : {}),
    rt: testRuntime(),
    waitUntil: () => {},
  };
}

/** `allow` or the local reply's status and body. */
export async function decide(chain: readonly CompiledHttpFilter[], r: Req | FilterContext = {}): Promise<string> {
  const ctx = 'rt' in r ? r : ctxOf(r);
  const res = await runFilters(chain, ctx);
  if (!res) return 'allow';
  return `${res.status} ${await res.text()}`.trim();
}

export const DENIED = '403 RBAC: access denied';
