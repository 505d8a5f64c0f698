import { z } from 'zod';
import { isCIDROrIP } from '../../config/syntax/host.ts';

// typed_config of meshgate's peer authentication filter (`meshgate.filters.http.peer_authn`), the
// first HTTP filter of every gateway listener. Envoy has no such filter — Istio enforces
// PeerAuthentication in the listener's TLS settings (pilot/pkg/security/authn/policy_applier.go);
// at Cloudflare's edge the TLS handshake is Cloudflare's, so the gateway judges the client
// certificate it reports instead. The whole filter is meshgate's, so its fields are plain
// snake_case (no `meshgate.` prefix needed). Public material only: root certificates, never keys.
// Decisions and behaviour: docs/identity.md.

export const PEER_AUTHN_FILTER = 'meshgate.filters.http.peer_authn';
export const PEER_AUTHN_TYPE = 'type.googleapis.com/meshgate.filters.http.peer_authn.v1.PeerAuthn';
/** Istio's SDS name for the mesh root certificates (the `ROOTCA` secret). */
export const ROOTCA_SECRET = 'ROOTCA';

/** A resolved mode: UNSET never reaches the data plane (it is resolved by precedence). */
export const PeerAuthnMode = z.enum(['STRICT', 'PERMISSIVE', 'DISABLE']);
export type PeerAuthnMode = z.infer<typeof PeerAuthnMode>;

const portKey = z.string().refine((k) => /^\d{1,5}$/.test(k) && Number(k) >= 1 && Number(k) <= 65535, { message: 'port must be in 1..65535' });
const pemCertificate = z.string().regex(/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/, { message: 'must be a PEM certificate' });

export const PeerAuthnTrustedProxies = z.strictObject({
  /** Peers (IP/CIDR) whose client-certificate header is believed (MeshConfig `meshgate.trustedProxies.cidrs`). */
  cidrs: z.array(z.string().refine(isCIDROrIP, { message: 'must be an IP address or CIDR range' })).min(1),
  /** Which header carries the client certificate from them: Envoy's XFCC or RFC 9440 `Client-Cert`. */
  client_cert_header: z.enum(['xfcc', 'rfc9440']),
});
export type PeerAuthnTrustedProxies = z.infer<typeof PeerAuthnTrustedProxies>;

export const PeerAuthn = z.strictObject({
  '@type': z.literal(PEER_AUTHN_TYPE),
  /** Effective mode of the gateway (workload > namespace > mesh > PERMISSIVE), for ports not listed below. */
  mode: PeerAuthnMode,
  /** Edge port → effective mode (a workload policy's `portLevelMtls`, UNSET already resolved). */
  port_level_mtls: z.record(portKey, PeerAuthnMode).optional(),
  /** SPIFFE trust domains whose identities are accepted: MeshConfig trustDomain, then trustDomainAliases. */
  trust_domains: z.array(z.string().min(1)).min(1),
  /** SDS secret holding the mesh trust bundle (roots and JWKS). */
  trust_bundle_secret: z.string().min(1),
  /** The bundle's root certificates, inline for now (public material); none ⇒ no certificate verifies. */
  trusted_roots: z.array(pemCertificate).optional(),
  /**
   * The bundle's JWT-SVID public keys (JWKS, public material), to verify the JWT-SVIDs Workers
   * present in `x-meshgate-svid` (audience `meshgate`); none ⇒ no JWT-SVID verifies.
   */
  trusted_jwks: z.strictObject({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
  /** A trusted proxy in front that forwards the client certificate in a header. */
  trusted_proxies: PeerAuthnTrustedProxies.optional(),
  /** Which PeerAuthentication (namespace/name) selected the gateway, for proxy-config and debugging. */
  source: z.strictObject({ workload: z.string().optional() }).optional(),
});
export type PeerAuthn = z.infer<typeof PeerAuthn>;
