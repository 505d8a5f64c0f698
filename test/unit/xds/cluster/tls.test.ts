import { describe, expect, test } from 'vitest';
import { build, cluster, ref } from './helpers.ts';

// DestinationRule ClientTLSSettings ⇒ the cluster's transport socket (Istio cluster_tls.go).
// Secrets are named (SDS names), never inlined.

const SE = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api, namespace: istio-system}
spec:
  hosts: [api.example.com]
  ports:
  - {number: 80, name: http, protocol: HTTP, targetPort: 443}
  - {number: 8443, name: https, protocol: HTTPS}
  resolution: DNS
  subjectAltNames: [spiffe://example.com/api]
`;
const withTls = (tls: string, extra = '') => `${SE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: istio-system}
spec:
  host: api.example.com
  trafficPolicy:
    tls:
${tls}
${extra}`;
const ctx = '@type';
const TLS_CTX = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';
const socketOf = (yaml: string, subset = '', port = 80) => {
  const c = cluster(build(yaml, [ref('api.example.com', port, subset)]), `outbound|${port}|${subset}|api.example.com`);
  return { socket: c.transport_socket, scheme: c.metadata?.filter_metadata.meshgate?.upstream_scheme };
};

describe('TLS origination', () => {
  test('SIMPLE: sni defaults to the host, system roots, SANs from the ServiceEntry; scheme https', () => {
    const { socket, scheme } = socketOf(withTls('      mode: SIMPLE'));
    expect(socket).toEqual({
      name: 'envoy.transport_sockets.tls',
      typed_config: { [ctx]: TLS_CTX, sni: 'api.example.com' },
      'meshgate.tls': { mode: 'SIMPLE', sni: 'api.example.com', trusted_ca_secret: 'file-root:system', subject_alt_names: ['spiffe://example.com/api'] },
    });
    expect(scheme).toBe('https');
  });

  test('SIMPLE with caCertificates, explicit sni and SANs', () => {
    const { socket } = socketOf(withTls('      mode: SIMPLE\n      caCertificates: /etc/certs/ca.pem\n      sni: edge.example.com\n      subjectAltNames: [api.example.com]'));
    expect(socket?.['meshgate.tls']).toEqual({ mode: 'SIMPLE', sni: 'edge.example.com', trusted_ca_secret: 'file-root:/etc/certs/ca.pem', subject_alt_names: ['api.example.com'] });
    expect(socket?.typed_config).toEqual({ [ctx]: TLS_CTX, sni: 'edge.example.com' });
  });

  test('SIMPLE with insecureSkipVerify: no trust anchor and no SAN check', () => {
    const { socket } = socketOf(withTls('      mode: SIMPLE\n      insecureSkipVerify: true'));
    expect(socket?.['meshgate.tls']).toEqual({ mode: 'SIMPLE', sni: 'api.example.com', insecure_skip_verify: true });
  });

  test('MUTUAL with credentialName names the Kubernetes secret for both certificate and CA', () => {
    const { socket } = socketOf(withTls('      mode: MUTUAL\n      credentialName: api-client'));
    expect(socket?.['meshgate.tls']).toEqual({
      mode: 'MUTUAL',
      sni: 'api.example.com',
      trusted_ca_secret: 'kubernetes://api-client',
      client_certificate_secret: 'kubernetes://api-client',
      subject_alt_names: ['spiffe://example.com/api'],
    });
  });

  test('MUTUAL with files names the files (paths only, never material)', () => {
    const { socket } = socketOf(withTls('      mode: MUTUAL\n      clientCertificate: /etc/certs/client.pem\n      privateKey: /etc/certs/key.pem\n      caCertificates: /etc/certs/ca.pem'));
    expect(socket?.['meshgate.tls']).toEqual({
      mode: 'MUTUAL',
      sni: 'api.example.com',
      trusted_ca_secret: 'file-root:/etc/certs/ca.pem',
      client_certificate_secret: 'file-cert:/etc/certs/client.pem~/etc/certs/key.pem',
      subject_alt_names: ['spiffe://example.com/api'],
    });
  });

  test('ISTIO_MUTUAL: mesh certificate and root, Istio’s SNI outbound_.PORT_.SUBSET_.HOST', () => {
    const { socket } = socketOf(withTls('      mode: ISTIO_MUTUAL', '  subsets:\n  - name: v1'), 'v1');
    expect(socket).toEqual({
      name: 'envoy.transport_sockets.tls',
      typed_config: { [ctx]: TLS_CTX, sni: 'outbound_.80_.v1_.api.example.com' },
      'meshgate.tls': { mode: 'ISTIO_MUTUAL', sni: 'outbound_.80_.v1_.api.example.com', trusted_ca_secret: 'ROOTCA', client_certificate_secret: 'default', subject_alt_names: ['spiffe://example.com/api'] },
    });
  });

  test('DISABLE or no tls: no transport socket; an HTTPS port is still https, an HTTP port http', () => {
    expect(socketOf(withTls('      mode: DISABLE'))).toEqual({ socket: undefined, scheme: 'http' });
    expect(socketOf(SE, '', 8443)).toEqual({ socket: undefined, scheme: 'https' });
  });

  test('port-level TLS applies to that port only', () => {
    const yaml = `${SE}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: istio-system}
spec:
  host: api.example.com
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: SIMPLE}
`;
    expect(socketOf(yaml).socket?.['meshgate.tls'].mode).toBe('SIMPLE');
    expect(socketOf(yaml, '', 8443).socket).toBeUndefined();
  });
});
