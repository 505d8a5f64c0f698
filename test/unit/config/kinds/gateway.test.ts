import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import type { GatewaySpec } from '../../../../src/config/kinds/networking/gateway.ts';

const gw = (servers: string, name = 'g') => loadManifest(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  selector: {istio: ingressgateway}
  servers:
${servers}`);
const errors = (servers: string, name?: string) => gw(servers, name).issues.filter((i) => i.severity === 'error').map((i) => ({ path: i.path, line: i.line, message: i.message }));
const http = '  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n';

describe('Gateway', () => {
  test('accepts the bookinfo gateway and an HTTPS server with a credential', () => {
    const r = gw(`${http}  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: [bookinfo/bookinfo.example.com]\n    tls: {mode: SIMPLE, credentialName: bookinfo-cert}\n`);
    expect(r.issues).toEqual([]);
    expect((r.resources[0]!.resource.spec as GatewaySpec).servers[1]?.tls?.credentialName).toBe('bookinfo-cert');
  });

  test('servers that are not HTTP servers (Istio IsHTTPServer) are named with an info: TCP, TLS, and HTTPS passthrough (tls.mode unset means PASSTHROUGH)', () => {
    const infos = (servers: string) => gw(servers).issues.map((i) => `${i.severity} ${i.path}: ${i.message.split(' server is')[0]}`);
    expect(infos('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {mode: PASSTHROUGH}\n')).toEqual(['info spec.servers[0].port.protocol: a HTTPS PASSTHROUGH']);
    expect(infos('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {}\n')).toEqual(['info spec.servers[0].port.protocol: a HTTPS PASSTHROUGH']);
    expect(infos('  - port: {number: 2053, name: tls, protocol: TLS}\n    hosts: ["*"]\n    tls: {mode: SIMPLE, credentialName: c}\n')).toEqual(['info spec.servers[0].port.protocol: a TLS SIMPLE']);
    expect(infos('  - port: {number: 2083, name: tcp, protocol: TCP}\n    hosts: ["*"]\n')).toEqual(['info spec.servers[0].port.protocol: a TCP']);
    expect(gw(`${http}  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: {mode: SIMPLE, credentialName: c}\n`).issues).toEqual([]);
  });

  test('targetPort: 0 (what some generators write) is accepted; a real targetPort is an error (validateServerPort)', () => {
    expect(errors('  - port: {number: 80, name: http, protocol: HTTP, targetPort: 0}\n    hosts: ["*"]\n')).toEqual([]);
    expect(errors('  - port: {number: 80, name: http, protocol: HTTP, targetPort: 8080}\n    hosts: ["*"]\n').map((e) => e.message)).toEqual(['targetPort is not supported in Gateway']);
  });

  test('the name must be a DNS-1123 label', () => {
    expect(errors(http, 'a.b')).toEqual([{ path: 'metadata.name', line: 4, message: 'invalid gateway name: "a.b"' }]);
  });

  test('server hosts: FQDN or *, optional namespace, no partial wildcard', () => {
    expect(errors('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: [reviews, "*foo.com", "./*.example.com", "10.0.0.1"]\n').map((e) => e.message)).toEqual([
      'short names (non FQDN) are not allowed: "reviews"',
      'partial wildcard "*foo.com" not allowed',
    ]);
  });

  test('port names unique; protocol known; TLS settings match the protocol', () => {
    expect(errors(`${http}${http}`)).toEqual([{ path: 'spec.servers[1].port.name', line: 10, message: 'port names in servers must be unique: duplicate name http' }]);
    expect(errors('  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n')).toEqual([{ path: 'spec.servers[0].tls', line: 8, message: 'server must have TLS settings for HTTPS/TLS protocols' }]);
    expect(errors('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n    tls: {httpsRedirect: true}\n')).toEqual([]);
    expect(errors('  - port: {number: 80, name: http, protocol: HTTP}\n    hosts: ["*"]\n    tls: {mode: SIMPLE, credentialName: c}\n')[0]?.message).toBe('server cannot have TLS settings for plain text HTTP ports');
  });

  test('server TLS certificate rules', () => {
    const tls = (t: string) => errors(`  - port: {number: 443, name: https, protocol: HTTPS}\n    hosts: ["*"]\n    tls: ${t}\n`).map((e) => `${e.path}: ${e.message}`);
    expect(tls('{mode: MUTUAL, serverCertificate: /c.pem, privateKey: /k.pem}')).toEqual(['spec.servers[0].tls.caCertificates: MUTUAL TLS requires a client CA bundle']);
    expect(tls('{mode: SIMPLE}')).toEqual(['spec.servers[0].tls.serverCertificate: SIMPLE TLS requires a server certificate', 'spec.servers[0].tls.privateKey: SIMPLE TLS requires a private key']);
    expect(tls('{mode: ISTIO_MUTUAL, caCertificates: /ca.pem}')[0]).toMatch(/ISTIO_MUTUAL TLS cannot have/);
    expect(tls('{mode: SIMPLE, credentialName: a, credentialNames: [b]}')[0]).toMatch(/only one of credential_name, credential_names/);
    expect(tls('{mode: OPTIONAL_MUTUAL, credentialName: a}')).toEqual([]);
  });
});
