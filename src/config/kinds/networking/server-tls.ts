import { z } from 'zod';
import type { Report } from '../types.ts';
import type { PathSegment } from '../../issues.ts';

// ServerTLSSettings (gateway.proto): TLS termination on a Gateway server or a Sidecar ingress
// listener. Rules of validation.go validateTLSOptions; its warnings are `serverTLSWarnings`.
// Defaults: mode PASSTHROUGH (proto 0), minProtocolVersion TLSV1_2, Envoy's cipher list.
// https://istio.io/latest/docs/reference/config/networking/gateway/#ServerTLSSettings

export const serverTLSMode = z.enum(['PASSTHROUGH', 'SIMPLE', 'MUTUAL', 'AUTO_PASSTHROUGH', 'ISTIO_MUTUAL', 'OPTIONAL_MUTUAL']);
export const tlsProtocol = z.enum(['TLS_AUTO', 'TLSV1_0', 'TLSV1_1', 'TLSV1_2', 'TLSV1_3']);

const tlsCertificate = z.strictObject({
  serverCertificate: z.string().optional(),
  privateKey: z.string().optional(),
  caCertificates: z.string().optional(),
});

export const serverTLSSettings = z
  .strictObject({
    /** On an HTTP server: answer every request with a 301 to https. */
    httpsRedirect: z.boolean().optional(),
    mode: serverTLSMode.optional(),
    serverCertificate: z.string().optional(),
    privateKey: z.string().optional(),
    caCertificates: z.string().optional(),
    caCrl: z.string().optional(),
    credentialName: z.string().optional(),
    /** At most two (e.g. one RSA and one ECDSA certificate). */
    credentialNames: z.array(z.string()).max(2, 'credential_names cannot have more than 2 entries').optional(),
    caCertCredentialName: z.string().optional(),
    tlsCertificates: z.array(tlsCertificate).max(2, 'tls_certificates cannot have more than 2 entries').optional(),
    subjectAltNames: z.array(z.string()).optional(),
    verifyCertificateSpki: z.array(z.string()).optional(),
    verifyCertificateHash: z.array(z.string()).optional(),
    minProtocolVersion: tlsProtocol.optional(),
    maxProtocolVersion: tlsProtocol.optional(),
    cipherSuites: z.array(z.string()).optional(),
    insecureSkipVerify: z.boolean().optional(),
  })
  .superRefine((t, ctx) => {
    const mode = t.mode ?? 'PASSTHROUGH';
    const issue = (path: PathSegment[], message: string) => ctx.addIssue({ code: 'custom', path, message });
    const hasCredential = !!t.credentialName || !!t.credentialNames?.length;
    if (mode === 'ISTIO_MUTUAL') {
      if (hasCredential || t.serverCertificate || t.privateKey || t.caCertificates || t.tlsCertificates?.length) {
        issue(['mode'], 'ISTIO_MUTUAL TLS cannot have associated private key, server certificate, CA certificate or credential name');
      }
      return;
    }
    if (mode !== 'SIMPLE' && mode !== 'MUTUAL' && mode !== 'OPTIONAL_MUTUAL') return;
    const sources = [!!t.credentialName, !!t.credentialNames?.length, !!(t.serverCertificate || t.privateKey), !!t.tlsCertificates?.length].filter(Boolean).length;
    if (sources > 1) issue([], 'only one of credential_name, credential_names, server_certificate/private_key, tls_certificates should be specified');
    if (t.caCrl) {
      if (hasCredential) issue(['caCrl'], 'CRL is not supported with credentialName. CRL has to be specified in the credential');
      else if (mode === 'SIMPLE') issue(['caCrl'], 'CRL is not supported with SIMPLE TLS');
    }
    if (hasCredential) return; // key, certificate and CA come from the secret
    if (t.tlsCertificates?.length) {
      for (const [i, c] of t.tlsCertificates.entries()) {
        if (!c.serverCertificate) issue(['tlsCertificates', i, 'serverCertificate'], `${mode} TLS requires a server certificate`);
        if (!c.privateKey) issue(['tlsCertificates', i, 'privateKey'], `${mode} TLS requires a private key`);
      }
    } else {
      if (!t.serverCertificate) issue(['serverCertificate'], `${mode} TLS requires a server certificate`);
      if (!t.privateKey) issue(['privateKey'], `${mode} TLS requires a private key`);
    }
    const hasCA = !!t.caCertificates || !!t.caCertCredentialName || !!t.tlsCertificates?.some((c) => c.caCertificates);
    if (mode !== 'SIMPLE' && !hasCA) issue(['caCertificates'], 'MUTUAL TLS requires a client CA bundle');
  });
export type ServerTLSSettings = z.infer<typeof serverTLSSettings>;

// Envoy's cipher names Istio accepts (pkg/config/security ValidCipherSuites).
const CIPHERS = new Set([
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES128-GCM-SHA256',
  'AES256-GCM-SHA384', 'AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
  '[ECDHE-ECDSA-AES128-GCM-SHA256|ECDHE-ECDSA-CHACHA20-POLY1305]', '[ECDHE-RSA-AES128-GCM-SHA256|ECDHE-RSA-CHACHA20-POLY1305]',
  'ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA', 'ECDHE-RSA-AES256-SHA',
  'AES128-SHA', 'AES256-SHA', 'DES-CBC3-SHA', 'ECDHE-PSK-AES128-CBC-SHA', 'ECDHE-PSK-AES256-CBC-SHA', 'PSK-AES128-CBC-SHA', 'PSK-AES256-CBC-SHA',
]);

/** Istio's warnings for ServerTLSSettings (accepted config). `path` is the tls block's. */
export function serverTLSWarnings(t: ServerTLSSettings, path: PathSegment[], report: Report) {
  const seen = new Set<string>();
  for (const [i, c] of (t.cipherSuites ?? []).entries()) {
    if (!CIPHERS.has(c)) report([...path, 'cipherSuites', i], `ignoring invalid cipher suites: ${c}`, 'warning');
    else if (seen.has(c)) report([...path, 'cipherSuites', i], `ignoring duplicate cipher suites: ${c}`, 'warning');
    seen.add(c);
  }
  const mode = t.mode ?? 'PASSTHROUGH';
  if ((mode === 'PASSTHROUGH' || mode === 'AUTO_PASSTHROUGH') && (t.serverCertificate || t.privateKey || t.caCertificates || t.credentialName || t.credentialNames?.length || t.tlsCertificates?.length)) {
    report([...path, 'mode'], `${mode} mode does not use certificates, they will be ignored`, 'warning');
  }
  if ((t.minProtocolVersion === 'TLSV1_0' || t.minProtocolVersion === 'TLSV1_1') && !t.cipherSuites?.length) {
    report([...path, 'minProtocolVersion'], `minProtocolVersion ${t.minProtocolVersion} without cipherSuites: the default cipher list has no ciphers for TLS below 1.2`, 'warning');
  }
}
