import { z } from 'zod';

// ClientTLSSettings (destination_rule.proto): TLS origination to the upstream. Rules of
// pkg/config/validation/agent/validation.go ValidateTLS. Defaults: mode DISABLE; no caCertificates
// ⇒ the platform's CAs; sni from the downstream authority for SIMPLE/MUTUAL.
// https://istio.io/latest/docs/reference/config/networking/destination-rule/#ClientTLSSettings

export const clientTLSMode = z.enum(['DISABLE', 'SIMPLE', 'MUTUAL', 'ISTIO_MUTUAL']);

export const clientTLSSettings = z
  .strictObject({
    mode: clientTLSMode.optional(),
    clientCertificate: z.string().optional(),
    privateKey: z.string().optional(),
    caCertificates: z.string().optional(),
    /** Secret holding key/cert/cacert/crl; at sidecars only with a DR workloadSelector. */
    credentialName: z.string().optional(),
    subjectAltNames: z.array(z.string()).optional(),
    sni: z.string().optional(),
    insecureSkipVerify: z.boolean().optional(),
    caCrl: z.string().optional(),
  })
  .superRefine((t, ctx) => {
    const mode = t.mode ?? 'DISABLE';
    if (t.insecureSkipVerify) {
      if (mode === 'SIMPLE' && (t.caCertificates || t.credentialName || t.subjectAltNames)) {
        ctx.addIssue({ code: 'custom', path: ['insecureSkipVerify'], message: 'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true' });
      }
      if (mode === 'MUTUAL' && (t.caCertificates || t.subjectAltNames)) {
        ctx.addIssue({ code: 'custom', path: ['insecureSkipVerify'], message: 'cannot specify CaCertificates or SubjectAltNames when InsecureSkipVerify is set true' });
      }
    }
    if ((mode === 'SIMPLE' || mode === 'MUTUAL') && t.credentialName) {
      if (t.clientCertificate || t.caCertificates || t.privateKey || t.caCrl) {
        ctx.addIssue({ code: 'custom', path: ['credentialName'], message: 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set' });
      }
      return; // credentials come from the secret
    }
    if (mode === 'MUTUAL') {
      if (!t.clientCertificate) ctx.addIssue({ code: 'custom', path: ['clientCertificate'], message: 'client certificate required for mutual tls' });
      if (!t.privateKey) ctx.addIssue({ code: 'custom', path: ['privateKey'], message: 'private key required for mutual tls' });
    }
  });
export type ClientTLSSettings = z.infer<typeof clientTLSSettings>;
