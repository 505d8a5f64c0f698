import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import type { SidecarSpec } from '../../../../src/config/kinds/networking/sidecar.ts';

const sc = (spec: string, ns = 'default') => loadManifest(`apiVersion: networking.istio.io/v1
kind: Sidecar
metadata:
  name: s
  namespace: ${ns}
spec:
${spec}`);
const issues = (spec: string, ns?: string) => sc(spec, ns).issues.map((i) => ({ severity: i.severity, path: i.path, line: i.line, message: i.message }));

describe('Sidecar', () => {
  test('accepts REGISTRY_ONLY egress scoping in the root namespace', () => {
    const r = sc('  egress:\n  - hosts: ["./*", "istio-system/*"]\n  outboundTrafficPolicy: {mode: REGISTRY_ONLY}\n', 'istio-ns');
    expect(r.issues).toEqual([]);
    expect((r.resources[0]!.resource.spec as SidecarSpec).outboundTrafficPolicy?.mode).toBe('REGISTRY_ONLY');
  });

  test('empty configuration is rejected', () => {
    expect(issues('  workloadSelector: {labels: {app: a}}\n')).toEqual([{ severity: 'error', path: 'spec', line: 7, message: 'sidecar: empty configuration provided' }]);
  });

  test('egress: hosts required and namespaced; a port-less listener only last', () => {
    expect(issues('  egress:\n  - port: {number: 80, protocol: HTTP}\n')[0]).toMatchObject({ path: 'spec.egress[0].hosts', message: 'sidecar: egress listener must contain at least one host' });
    expect(issues('  egress:\n  - hosts: [a.example.com]\n')[0]).toMatchObject({ path: 'spec.egress[0].hosts[0]', message: 'host "a.example.com" must be of the form namespace/dnsName' });
    expect(issues('  egress:\n  - hosts: ["./*"]\n  - port: {number: 80}\n    hosts: ["./*"]\n')[0]).toMatchObject({
      path: 'spec.egress[0]',
      message: 'sidecar: the egress listener with empty port should be the last listener in the list',
    });
    expect(issues('  egress:\n  - hosts: ["~/*"]\n')).toEqual([]);
  });

  test('duplicate egress hosts and */* with others are warnings; "." is the namespace', () => {
    const r = sc('  egress:\n  - hosts: ["./*", "shop/a.example.com"]\n', 'shop');
    expect(r.resources).toHaveLength(1);
    expect(r.issues).toEqual([expect.objectContaining({ severity: 'warning', path: 'spec.egress[0].hosts[1]', message: 'duplicated egress host: shop/a.example.com' })]);
  });

  test('outboundTrafficPolicy: egressProxy only with ALLOW_ANY, and needs a port', () => {
    expect(issues('  outboundTrafficPolicy:\n    egressProxy: {host: p.example.com, port: {number: 3128}}\n')[0]).toMatchObject({
      path: 'spec.outboundTrafficPolicy.egressProxy',
      message: 'sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode',
    });
    expect(issues('  outboundTrafficPolicy:\n    mode: ALLOW_ANY\n    egressProxy: {host: p.example.com, port: {number: 3128}}\n')).toEqual([]);
  });

  test('ingress: unique ports, defaultEndpoint form, TLS limits; pools reuse DR rules', () => {
    expect(issues('  ingress:\n  - port: {number: 80, protocol: HTTP, name: a}\n  - port: {number: 80, protocol: HTTP, name: b}\n')[0]).toMatchObject({
      path: 'spec.ingress[1].port.number',
      message: 'sidecar: ports on IP bound listeners must be unique',
    });
    expect(issues('  ingress:\n  - port: {number: 80, protocol: HTTP, name: a}\n    defaultEndpoint: "[::1]:8080"\n')).toEqual([]);
    expect(issues('  ingress:\n  - port: {number: 80, protocol: HTTP, name: a}\n    defaultEndpoint: 1.2.3.4:80\n')[0]?.message).toMatch(/^sidecar: defaultEndpoint must be of form/);
    expect(issues('  ingress:\n  - port: {number: 443, protocol: HTTPS, name: a}\n    tls: {mode: PASSTHROUGH}\n')[0]?.message).toBe('configuration is invalid: cannot set mode to PASSTHROUGH in sidecar ingress tls');
    expect(issues('  inboundConnectionPool: {http: {maxRetries: -1}}\n')[0]).toMatchObject({ path: 'spec.inboundConnectionPool.http.maxRetries', message: 'max retries must be non-negative' });
  });
});
