import { afterEach, describe, expect, test, vi } from 'vitest';
import { checkTlsBindings, mtlsBindingName, resetTlsWarnings, secretBinding, tlsBindingPlan, tlsFetcher } from '../../../../src/gateway/router/upstream-tls.ts';
import type { UpstreamTls } from '../../../../src/xds/resources/cluster.ts';

const fetcher = (name: string) => ({ fetch: async () => new Response(name) });

describe('binding names', () => {
  test('UPPER_SNAKE with the MTLS_ prefix', () => {
    expect(mtlsBindingName('partner-client')).toBe('MTLS_PARTNER_CLIENT');
    expect(mtlsBindingName('api.cert')).toBe('MTLS_API_CERT');
    expect(mtlsBindingName('-x-')).toBe('MTLS_X');
  });

  test('SDS secret names map to bindings', () => {
    expect(secretBinding('kubernetes://partner-client')).toBe('MTLS_PARTNER_CLIENT');
    expect(secretBinding('kubernetes://egress/partner-ca')).toBe('MTLS_PARTNER_CA');
    expect(secretBinding('file-root:/etc/certs/partner-ca.pem')).toBe('MTLS_PARTNER_CA');
    expect(secretBinding('file-root:ca')).toBe('MTLS_CA');
    expect(secretBinding('file-cert:/etc/certs/client.pem~/etc/certs/client-key.pem')).toBe('MTLS_CLIENT');
    expect(secretBinding('default')).toBe('MTLS_MESH');
    expect(secretBinding('ROOTCA')).toBe('MTLS_MESH');
    expect(secretBinding('file-root:system')).toBeUndefined();
    expect(secretBinding('file-cert:~')).toBeUndefined();
    expect(secretBinding(undefined)).toBeUndefined();
    expect(secretBinding('something-else')).toBeUndefined();
  });
});

describe('checkTlsBindings (snapshot compile: a collision is a NACK)', () => {
  const mutual = (cert: string): UpstreamTls => ({ mode: 'MUTUAL', client_certificate_secret: cert });
  test('different credentials with one binding name are refused, naming both and the binding', () => {
    expect(() => checkTlsBindings([
      { name: 'a', tls: mutual('file-cert:/etc/istio/a-certs/tls.crt~/etc/istio/a-certs/tls.key') },
      { name: 'b', tls: mutual('file-cert:/etc/istio/b-certs/tls.crt~/etc/istio/b-certs/tls.key') },
    ])).toThrow(/clusters a \(client certificate \/etc\/istio\/a-certs\/tls.crt\) and b \(client certificate \/etc\/istio\/b-certs\/tls.crt\) both map to binding MTLS_TLS/);
    expect(() => checkTlsBindings([{ name: 'a', tls: mutual('kubernetes://team-a/client') }, { name: 'b', tls: mutual('kubernetes://team-b/client') }])).toThrow(/MTLS_CLIENT/);
  });

  test("a SIMPLE cluster's CA binding that is another cluster's client certificate is refused", () => {
    expect(() => checkTlsBindings([
      { name: 'partner', tls: mutual('kubernetes://partner-client') },
      { name: 'any', tls: { mode: 'SIMPLE', trusted_ca_secret: 'file-root:/tmp/partner-client.pem' } },
    ])).toThrow(/partner \(client certificate kubernetes:\/\/partner-client\) and any \(trusted CA file-root:\/tmp\/partner-client.pem\)/);
  });

  test('one credential shared by several clusters, and the mesh certificate, are fine', () => {
    expect(() => checkTlsBindings([
      { name: 'a', tls: mutual('kubernetes://partner') },
      { name: 'b', tls: mutual('kubernetes://partner') },
      // The same secret for a SIMPLE rule (its CA) is the operator's own choice.
      { name: 's', tls: { mode: 'SIMPLE', trusted_ca_secret: 'kubernetes://partner' } },
      // One certificate file with another key path is the same certificate.
      { name: 'f1', tls: mutual('file-cert:/etc/c/client.pem~/etc/c/key1.pem') },
      { name: 'f2', tls: mutual('file-cert:/etc/c/client.pem~/etc/c/key2.pem') },
      // No client certificate at stake: two CAs with one base name at most pin the wrong CA.
      { name: 'ca1', tls: { mode: 'SIMPLE', trusted_ca_secret: 'file-root:/etc/istio/a-ca/ca.crt' } },
      { name: 'ca2', tls: { mode: 'SIMPLE', trusted_ca_secret: 'file-root:/etc/istio/b-ca/ca.crt' } },
      { name: 'm1', tls: { mode: 'ISTIO_MUTUAL' } },
      { name: 'm2', tls: { mode: 'ISTIO_MUTUAL' } },
      { name: 'plain', tls: undefined },
    ])).not.toThrow();
  });
});

describe('tlsBindingPlan', () => {
  test('no TLS settings: plain', () => expect(tlsBindingPlan(undefined)).toBeUndefined());

  test('MUTUAL with credentialName: the client certificate binding, required', () => {
    expect(tlsBindingPlan({ mode: 'MUTUAL', trusted_ca_secret: 'kubernetes://partner-client', client_certificate_secret: 'kubernetes://partner-client' })).toEqual({ mode: 'MUTUAL', binding: 'MTLS_PARTNER_CLIENT', required: true, privateCa: true });
  });

  test('MUTUAL with file certificates: the certificate basename', () => {
    expect(tlsBindingPlan({ mode: 'MUTUAL', trusted_ca_secret: 'file-root:/certs/ca.pem', client_certificate_secret: 'file-cert:/certs/api-client.pem~/certs/api-client.key' })?.binding).toBe('MTLS_API_CLIENT');
  });

  test('ISTIO_MUTUAL: the mesh certificate, required', () => {
    expect(tlsBindingPlan({ mode: 'ISTIO_MUTUAL', trusted_ca_secret: 'ROOTCA', client_certificate_secret: 'default', sni: 'outbound_.80_._.a.test' })).toEqual({ mode: 'ISTIO_MUTUAL', binding: 'MTLS_MESH', required: true, privateCa: true });
  });

  test('SIMPLE: the trust-anchor binding when named, optional', () => {
    expect(tlsBindingPlan({ mode: 'SIMPLE', trusted_ca_secret: 'kubernetes://partner-ca' })).toEqual({ mode: 'SIMPLE', binding: 'MTLS_PARTNER_CA', required: false, privateCa: true });
    expect(tlsBindingPlan({ mode: 'SIMPLE', trusted_ca_secret: 'file-root:/etc/ssl/partner.crt' })?.binding).toBe('MTLS_PARTNER');
    expect(tlsBindingPlan({ mode: 'SIMPLE', trusted_ca_secret: 'file-root:system' })).toEqual({ mode: 'SIMPLE', binding: undefined, required: false, privateCa: false });
    expect(tlsBindingPlan({ mode: 'SIMPLE', insecure_skip_verify: true })).toEqual({ mode: 'SIMPLE', binding: undefined, required: false, privateCa: false });
  });
});

describe('tlsFetcher', () => {
  afterEach(() => {
    resetTlsWarnings();
    vi.restoreAllMocks();
  });
  const url = 'https://api.partner.test:443/x';
  const cluster = (tls: UpstreamTls | undefined, name = 'outbound|443||api.partner.test') => ({ name, tls });

  test('plain cluster: global fetch', () => {
    expect(tlsFetcher(cluster(undefined), {}, 'http://a/')).toEqual({ fetcher: undefined });
  });

  test('the named binding wins when present', () => {
    const b = fetcher('b');
    expect(tlsFetcher(cluster({ mode: 'MUTUAL', client_certificate_secret: 'kubernetes://api-cert', trusted_ca_secret: 'kubernetes://api-cert' }), { MTLS_API_CERT: b }, url)).toEqual({ fetcher: b });
    expect(tlsFetcher(cluster({ mode: 'SIMPLE', trusted_ca_secret: 'kubernetes://api-ca' }), { MTLS_API_CA: b }, url)).toEqual({ fetcher: b });
    expect(tlsFetcher(cluster({ mode: 'ISTIO_MUTUAL', client_certificate_secret: 'default', trusted_ca_secret: 'ROOTCA' }), { MTLS_MESH: b }, url)).toEqual({ fetcher: b });
  });

  test('MUTUAL / ISTIO_MUTUAL without the binding: an error naming it', () => {
    const r = tlsFetcher(cluster({ mode: 'MUTUAL', client_certificate_secret: 'kubernetes://api-cert' }), { MTLS_OTHER: fetcher('o'), MTLS_API_CERT: 'not a fetcher' }, url);
    expect('error' in r && r.error).toMatch(/no mTLS certificate binding named MTLS_API_CERT.*mtls_certificates.*--mtls api-cert=/);
    const m = tlsFetcher(cluster({ mode: 'ISTIO_MUTUAL', client_certificate_secret: 'default' }), {}, url);
    expect('error' in m && m.error).toMatch(/MTLS_MESH/);
    const f = tlsFetcher(cluster({ mode: 'MUTUAL', client_certificate_secret: 'file-cert:~' }), {}, url);
    expect('error' in f && f.error).toMatch(/names no binding/);
  });

  test('SIMPLE without a binding: global fetch, and one warning per cluster for the private CA', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = cluster({ mode: 'SIMPLE', trusted_ca_secret: 'kubernetes://api-ca', sni: 'api.partner.test' });
    expect(tlsFetcher(c, {}, url)).toEqual({ fetcher: undefined });
    expect(tlsFetcher(c, {}, url)).toEqual({ fetcher: undefined });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]![0])).toMatch(/api-ca cannot be pinned without a binding named MTLS_API_CA/);
    // public roots: nothing to warn about
    tlsFetcher(cluster({ mode: 'SIMPLE', trusted_ca_secret: 'file-root:system', sni: 'api.partner.test' }, 'c2'), {}, url);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('insecureSkipVerify and a different sni cannot be honoured: warned once per cluster', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = cluster({ mode: 'SIMPLE', insecure_skip_verify: true, sni: 'other.test' });
    tlsFetcher(c, {}, url);
    tlsFetcher(c, {}, url);
    const lines = warn.mock.calls.map((x) => String(x[0]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/insecureSkipVerify cannot be honoured/);
    expect(lines[1]).toMatch(/sni other.test cannot be honoured.*URL host api.partner.test/);
    tlsFetcher(cluster({ mode: 'SIMPLE', insecure_skip_verify: true }, 'another'), {}, url);
    expect(warn).toHaveBeenCalledTimes(3);
  });

  test('subjectAltNames cannot be checked: warned once per cluster, as docs/egress-tls.md says', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const c = cluster({ mode: 'SIMPLE', sni: 'api.partner.test', subject_alt_names: ['spiffe://partner/ns/x/sa/y'] }, 'sans');
    tlsFetcher(c, {}, url);
    tlsFetcher(c, {}, url);
    expect(warn.mock.calls.map((x) => String(x[0]))).toEqual([expect.stringMatching(/subjectAltNames spiffe:\/\/partner\/ns\/x\/sa\/y cannot be checked/)]);
  });
});
