import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

describe('JWT claim routing without a RequestAuthentication on the gateway (IST0149)', () => {
  const vs = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: claims, namespace: bookinfo}
spec:
  hosts: [bookinfo.example.com]
  gateways: [bookinfo-gateway]
  http:
  - match:
    - headers:
        "@request.auth.claims.group": {exact: admin}
    route:
    - destination: {host: reviews, subset: v2}
  - route:
    - destination: {host: reviews, subset: v1}
`;
  const ra = (ns: string, selector = '') => `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: ${ns}}
spec:
${selector}  jwtRules:
  - issuer: https://issuer.example.com
    jwksUri: https://issuer.example.com/jwks.json
`;

  test('no RequestAuthentication for the gateways', () => {
    expect(withCode(run(doc(BASE, vs, ra('bookinfo'))), 'IST0149')).toEqual([
      expect.objectContaining({ severity: 'error', path: 'spec.http[0].match[0].headers["@request.auth.claims.group"]', message: expect.stringContaining('uses the JWT claim based routing (key: @request.auth.claims.group) but found no request authentication') }),
    ]);
  });

  test('a RequestAuthentication selecting other workloads does not count', () => {
    expect(withCode(run(doc(BASE, vs, ra('istio-system', '  selector: {matchLabels: {app: web}}\n'))), 'IST0149')).toHaveLength(1);
  });

  test('clean: RequestAuthentication in istio-system for the ingress gateway', () => {
    expect(withCode(run(doc(BASE, vs, ra('istio-system', '  selector: {matchLabels: {istio: ingressgateway}}\n'))), 'IST0149')).toEqual([]);
    expect(withCode(run(doc(BASE, vs, ra('istio-system'))), 'IST0149')).toEqual([]);
  });
});

describe('STATIC ServiceEntry without endpoints (MG0007)', () => {
  const se = (extra: string) => `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: legacy, namespace: bookinfo}
spec:
  hosts: [legacy.internal]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 80, name: http, protocol: HTTP}]
${extra}`;
  const we = `
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: vm, namespace: bookinfo}
spec:
  address: 10.0.0.7
  labels: {app: legacy}
`;

  test('neither endpoints nor workloadSelector', () => {
    expect(withCode(run(se('')), 'MG0007')).toEqual([expect.objectContaining({ severity: 'warning', kind: 'ServiceEntry', path: 'spec.resolution', message: expect.stringContaining('503') })]);
  });

  test('a workloadSelector no WorkloadEntry of the namespace matches', () => {
    const found = withCode(run(doc(se('  workloadSelector: {labels: {app: legacy}}'), we.replace('namespace: bookinfo', 'namespace: other'))), 'MG0007');
    expect(found).toEqual([expect.objectContaining({ severity: 'warning', path: 'spec.workloadSelector', message: expect.stringContaining('app=legacy') })]);
  });

  test('clean: endpoints, or matching WorkloadEntries, or DNS', () => {
    expect(withCode(run(se('  endpoints: [{address: 10.0.0.1}]')), 'MG0007')).toEqual([]);
    expect(withCode(run(doc(se('  workloadSelector: {labels: {app: legacy}}'), we)), 'MG0007')).toEqual([]);
    expect(withCode(run(se('').replace('STATIC', 'DNS')), 'MG0007')).toEqual([]);
  });
});

describe('Sidecars', () => {
  const sidecar = (name: string, ns: string, body: string) => `
apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}
`;
  const egress = '  egress:\n  - hosts: ["./*"]';

  test('two Sidecars without workloadSelector in one namespace (IST0111)', () => {
    const found = withCode(run(doc(sidecar('a', 'bookinfo', egress), sidecar('b', 'bookinfo', egress))), 'IST0111');
    expect(found.map((f) => [f.name, f.severity, f.path])).toEqual([['a', 'error', ''], ['b', 'error', '']]);
    expect(found[0]!.message).toContain('The Sidecars [bookinfo/a bookinfo/b] in namespace "bookinfo" have no workload selector');
  });

  test('outboundTrafficPolicy outside the root namespace (MG0008)', () => {
    expect(withCode(run(sidecar('default', 'apps', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}')), 'MG0008')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.outboundTrafficPolicy', message: expect.stringContaining('applies only to proxies in apps') }),
    ]);
  });

  test('clean: one default Sidecar per namespace, outboundTrafficPolicy in the root namespace', () => {
    const issues = run(doc(sidecar('default', 'istio-system', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}'), sidecar('default', 'bookinfo', egress), sidecar('web', 'bookinfo', `  workloadSelector: {labels: {app: web}}\n${egress}`)));
    expect([...withCode(issues, 'IST0111'), ...withCode(issues, 'MG0008')]).toEqual([]);
  });

  test('the root namespace comes from the mesh ConfigMap when it is among the resources', () => {
    const cm = `
apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    rootNamespace: mesh-root
`;
    const sc = sidecar('default', 'mesh-root', '  outboundTrafficPolicy: {mode: REGISTRY_ONLY}');
    expect(withCode(run(sc), 'MG0008')).toHaveLength(1);
    expect(withCode(run(doc(cm, sc)), 'MG0008')).toEqual([]);
    // an explicit meshConfig wins over the ConfigMap
    expect(withCode(run(doc(cm, sc), { meshConfig: {} }), 'MG0008')).toHaveLength(1);
  });
});
