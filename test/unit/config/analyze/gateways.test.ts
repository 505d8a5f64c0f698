import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const gateway = (selector: string, servers: string, name = 'gw') => `
apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: istio-system}
spec:
${selector ? `  selector: ${selector}\n` : ''}  servers:
${servers}
`;
const http80 = (hosts: string) => `  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ${hosts}`;
const vs = (ns: string, hosts: string, gateways: string) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: web, namespace: ${ns}}
spec:
  hosts: ${hosts}
  gateways: ${gateways}
  http:
  - route:
    - destination: {host: reviews.bookinfo.svc.cluster.local}
`;

describe('Gateway selector matching no gateway proxy (IST0127)', () => {
  test('unknown labels', () => {
    expect(withCode(run(gateway('{app: my-gateway-controller}', http80('["*"]'))), 'IST0127')).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'Gateway', path: 'spec.selector', message: expect.stringContaining('No matching workloads for this resource with the following labels: app=my-gateway-controller') }),
    ]);
  });

  test('clean: ingress, egress or no selector', () => {
    for (const sel of ['{istio: ingressgateway}', '{istio: egressgateway}', '']) {
      expect(withCode(run(gateway(sel, http80('["*"]'))), 'IST0127')).toEqual([]);
    }
  });
});

describe('Gateway server hosts and VirtualService hosts', () => {
  test('a server host no VirtualService serves (MG0004, info)', () => {
    const issues = run(doc(gateway('{istio: ingressgateway}', http80('[a.example.com, b.example.com]')), vs('bookinfo', '[a.example.com]', '[istio-system/gw]')));
    expect(withCode(issues, 'MG0004')).toEqual([
      expect.objectContaining({ severity: 'info', kind: 'Gateway', path: 'spec.servers[0].hosts[1]', message: expect.stringContaining('"b.example.com" on port 80: every request for it gets 404') }),
    ]);
  });

  test('a VirtualService host no server of its Gateway accepts (IST0132, warning)', () => {
    const issues = run(doc(BASE, gateway('{istio: ingressgateway}', http80('[a.example.com, shop/b.example.com]')), vs('bookinfo', '[a.example.com, b.example.com]', '[istio-system/gw]')));
    expect(withCode(issues, 'IST0132')).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'VirtualService', path: 'spec.hosts[1]', message: expect.stringContaining('one or more host [b.example.com] defined in VirtualService bookinfo/web not found in Gateway istio-system/gw') }),
    ]);
  });

  test('clean: wildcard and namespaced server hosts, https redirect servers', () => {
    const servers = `${http80('["bookinfo/*.example.com"]')}
  - port: {number: 8080, name: http-redirect, protocol: HTTP}
    hosts: [other.example.org]
    tls: {httpsRedirect: true}`;
    const issues = run(doc(gateway('{istio: ingressgateway}', servers), vs('bookinfo', '[a.example.com]', '[istio-system/gw]')));
    expect([...withCode(issues, 'MG0004'), ...withCode(issues, 'IST0132')]).toEqual([]);
  });
});

describe('ingress Gateway ports the edge does not proxy (MG0009)', () => {
  test('port 9443', () => {
    const servers = `  - port: {number: 9443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: cert}`;
    expect(withCode(run(gateway('{istio: ingressgateway}', servers)), 'MG0009')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.servers[0].port.number', message: expect.stringContaining('port 9443 is not a port Cloudflare') }),
    ]);
  });

  test('clean: 80, 8443, and any port on the egress gateway', () => {
    const servers = `${http80('["*"]')}
  - port: {number: 8443, name: https, protocol: HTTPS}
    hosts: ["*"]
    tls: {mode: SIMPLE, credentialName: cert}`;
    expect(withCode(run(gateway('{istio: ingressgateway}', servers)), 'MG0009')).toEqual([]);
    const egress = `  - port: {number: 9000, name: http, protocol: HTTP}\n    hosts: ["*"]`;
    expect(withCode(run(gateway('{istio: egressgateway}', egress)), 'MG0009')).toEqual([]);
  });
});

describe('VirtualService not exported to the gateways (MG0010)', () => {
  test('exportTo "." outside istio-system', () => {
    const v = vs('bookinfo', '[bookinfo.example.com]', '[bookinfo/bookinfo-gateway]').replace('  http:', '  exportTo: ["."]\n  http:');
    expect(withCode(run(doc(BASE, v)), 'MG0010')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.exportTo', message: expect.stringContaining('not to istio-system') }),
    ]);
  });

  test('mesh default exportTo from MeshConfig', () => {
    const v = vs('bookinfo', '[bookinfo.example.com]', '[bookinfo/bookinfo-gateway]');
    expect(withCode(run(doc(BASE, v), { meshConfig: { defaultVirtualServiceExportTo: ['.'] } }), 'MG0010').map((f) => f.path)).toEqual(['spec.hosts']);
  });

  test('clean: default export, explicit istio-system', () => {
    const v = vs('bookinfo', '[bookinfo.example.com]', '[bookinfo/bookinfo-gateway]');
    expect(withCode(run(doc(BASE, v)), 'MG0010')).toEqual([]);
    expect(withCode(run(doc(BASE, v.replace('  http:', '  exportTo: [".", istio-system]\n  http:'))), 'MG0010')).toEqual([]);
  });
});

describe('a match naming a gateway the VirtualService is not bound to (MG0011)', () => {
  test('match gateways outside the top-level gateways never apply; inside them is clean', () => {
    const v = vs('bookinfo', '[bookinfo.example.com]', '[mesh]').replace('  - route:', '  - match: [{gateways: [bookinfo/bookinfo-gateway]}]\n    route:');
    expect(withCode(run(doc(BASE, v)), 'MG0011')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.http[0].match[0].gateways[0]', message: expect.stringContaining('Add "bookinfo/bookinfo-gateway" to spec.gateways') }),
    ]);
    const bound = vs('bookinfo', '[bookinfo.example.com]', '[mesh, bookinfo-gateway]').replace('  - route:', '  - match: [{gateways: [bookinfo/bookinfo-gateway]}]\n    route:');
    expect(withCode(run(doc(BASE, bound)), 'MG0011')).toEqual([]);
    // A delegate has no gateways of its own: its matches merge with its root's, so it is not flagged.
    const delegate = bound.replace('  hosts: [bookinfo.example.com]\n  gateways: [mesh, bookinfo-gateway]\n', '');
    expect(delegate).not.toContain('hosts:');
    expect(withCode(run(doc(BASE, delegate)), 'MG0011')).toEqual([]);
  });
});

describe('PeerAuthentication without a selector never reaches a gateway (MG0012)', () => {
  const pa = (spec: string) => `
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec:
${spec}`;
  test('mesh-wide STRICT is flagged; a policy selecting the gateway, or PERMISSIVE, is not', () => {
    expect(withCode(run(doc(BASE, pa('  mtls: {mode: STRICT}\n'))), 'MG0012')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.mtls.mode', message: expect.stringContaining('changes nothing at meshgate') }),
    ]);
    expect(withCode(run(doc(BASE, pa('  selector: {matchLabels: {istio: ingressgateway}}\n  mtls: {mode: STRICT}\n'))), 'MG0012')).toEqual([]);
    expect(withCode(run(doc(BASE, pa('  mtls: {mode: PERMISSIVE}\n'))), 'MG0012')).toEqual([]);
  });
});
