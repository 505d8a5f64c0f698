import type { Resource } from '../../config/meta.ts';
import type { MutualTLS, PeerAuthenticationSpec } from '../../config/kinds/security/peer-authentication.ts';
import type { HttpFilter } from '../resources/listener.ts';
import type { Secret } from '../resources/secret.ts';
import type { Node } from '../protocol.ts';
import { byCreation, type PushContext } from '../push-context.ts';
import { PEER_AUTHN_FILTER, PEER_AUTHN_TYPE, ROOTCA_SECRET, type PeerAuthn, type PeerAuthnMode } from '../filters/peer-authn.ts';

// PeerAuthentication → the gateway's `meshgate.filters.http.peer_authn` filter. Istio applies
// PeerAuthentication to sidecars' inbound traffic only: gateways take their TLS from the Gateway
// (pilot/pkg/networking/core/listener_inbound.go; gateway listeners never consult it), so a
// mesh-wide or namespace-wide policy (no selector) never reaches a gateway and mesh-wide STRICT
// leaves an internet-facing ingress open. meshgate adds one thing (docs/identity.md): a policy
// whose selector matches the gateway's labels, in the gateway's namespace, sets the gateway's
// mode; UNSET means PERMISSIVE; at one level the oldest policy wins; `portLevelMtls` is keyed by
// the gateway's edge port, with UNSET ports taking the policy's mode.
// https://istio.io/latest/docs/reference/config/security/peer_authentication/
// The filter is emitted on every listener, whatever the mode: it is also what establishes the
// peer identity (`source.principal`) under PERMISSIVE and strips forged client-certificate
// headers (docs/identity.md).

type PeerAuthentication = Resource<PeerAuthenticationSpec>;

/**
 * The mesh trust bundle's public half, when the control plane has one (its CA lives in the
 * control plane's Durable Object storage; only root certificates and the JWKS reach snapshots).
 */
export interface MeshTrust {
  trustBundle?: { roots: readonly string[]; jwks?: string } | undefined;
}

export interface EffectivePeerAuthentication {
  mode: PeerAuthnMode;
  portLevel: Record<string, PeerAuthnMode>;
  source: { workload?: string };
}

const isUnset = (m: MutualTLS | undefined) => !m || !m.mode || m.mode === 'UNSET';
const hasSelector = (p: PeerAuthentication) => Object.keys(p.spec.selector?.matchLabels ?? {}).length > 0;
const nameOf = (p: PeerAuthentication) => `${p.metadata.namespace}/${p.metadata.name}`;

/** The PeerAuthentication in force for this gateway: the oldest one selecting it, else PERMISSIVE. */
export function effectivePeerAuthentication(push: PushContext, node: Pick<Node, 'namespace' | 'labels'>): EffectivePeerAuthentication {
  const all = [...((push.byKind.get('PeerAuthentication') ?? []) as PeerAuthentication[])].sort(byCreation);
  const workload = all.find((p) => hasSelector(p) && p.metadata.namespace === node.namespace && Object.entries(p.spec.selector!.matchLabels!).every(([k, v]) => node.labels[k] === v));
  const mode: PeerAuthnMode = workload && !isUnset(workload.spec.mtls) ? (workload.spec.mtls!.mode as PeerAuthnMode) : 'PERMISSIVE';
  const portLevel: Record<string, PeerAuthnMode> = {};
  for (const [port, m] of Object.entries(workload?.spec.portLevelMtls ?? {})) {
    portLevel[String(Number(port))] = isUnset(m) ? mode : (m.mode as PeerAuthnMode);
  }
  return { mode, portLevel, source: workload ? { workload: nameOf(workload) } : {} };
}

export function buildPeerAuthenticationFilters(push: PushContext & MeshTrust, node: Node): HttpFilter[] {
  const eff = effectivePeerAuthentication(push, node);
  const trustDomains = [push.mesh.trustDomain, ...(push.mesh.config.trustDomainAliases ?? []).filter((d) => d !== push.mesh.trustDomain)];
  const tp = push.mesh.config.meshgate?.trustedProxies;
  const config: PeerAuthn = {
    '@type': PEER_AUTHN_TYPE,
    mode: eff.mode,
    ...(Object.keys(eff.portLevel).length ? { port_level_mtls: eff.portLevel } : {}),
    trust_domains: trustDomains,
    trust_bundle_secret: ROOTCA_SECRET,
    ...(push.trustBundle?.roots.length ? { trusted_roots: [...push.trustBundle.roots] } : {}),
    ...trustedJwks(push.trustBundle?.jwks),
    ...(tp?.cidrs?.length && tp.clientCertHeader && tp.clientCertHeader !== 'none' ? { trusted_proxies: { cidrs: [...tp.cidrs], client_cert_header: tp.clientCertHeader } } : {}),
    ...(Object.keys(eff.source).length ? { source: eff.source } : {}),
  };
  return [{ name: PEER_AUTHN_FILTER, typed_config: config }];
}

/**
 * The SDS Secret carrying the trust bundle (`ROOTCA`: root PEMs + JWKS), for the snapshot's
 * `secret` list; undefined until the control plane has a CA. Public material only.
 */
export function buildTrustBundleSecret(push: PushContext & MeshTrust): Secret | undefined {
  const b = push.trustBundle;
  if (!b?.roots.length) return undefined;
  return {
    name: ROOTCA_SECRET,
    validation_context: { trusted_ca: { inline_string: b.roots.map((r) => r.trim() + '\n').join('') } },
    ...(b.jwks ? { 'meshgate.jwks': b.jwks } : {}),
  };
}

/** The bundle's JWKS (a JSON string in the snapshot) as the filter's `trusted_jwks`; public keys only. */
function trustedJwks(jwks: string | undefined): { trusted_jwks?: { keys: { kty: string; [k: string]: unknown }[] } } {
  if (!jwks) return {};
  try {
    const parsed = JSON.parse(jwks) as { keys?: unknown };
    const keys = Array.isArray(parsed.keys) ? parsed.keys.filter((k): k is { kty: string } => typeof k === 'object' && k !== null && typeof (k as { kty?: unknown }).kty === 'string') : [];
    // Defence in depth: never let a private member through, whatever the bundle held.
    const publicOnly = keys.map((k) => Object.fromEntries(Object.entries(k).filter(([n]) => !['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'].includes(n))) as { kty: string });
    return publicOnly.length ? { trusted_jwks: { keys: publicOnly } } : {};
  } catch {
    return {};
  }
}
