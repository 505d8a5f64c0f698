import type { ClientTLSSettings } from '../../config/kinds/networking/destination-rule.ts';
import type { Cluster, UpstreamTls } from '../resources/cluster.ts';
import { isWildcard } from '../hosts.ts';
import type { Service } from '../push-context.ts';

// Upstream TLS origination (pilot/pkg/networking/core/cluster_tls.go buildUpstreamClusterTLSContext,
// constructUpstreamTLS). Certificates are named as the SDS secrets Istio would use — a path or a
// credential name, never key or certificate material — and the data plane resolves them.

export const UPSTREAM_TLS_CONTEXT = 'type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext';

export interface TlsTarget {
  service: Service;
  port: number;
  subset: string;
  trustDomain: string;
}

/** Istio's ISTIO_MUTUAL SNI: model.BuildDNSSrvSubsetKey, `outbound_.PORT_.SUBSET_.HOST`. */
export const istioMtlsSni = (t: Pick<TlsTarget, 'port' | 'subset'> & { host: string }) => `outbound_.${t.port}_.${t.subset}_.${t.host}`;

/**
 * The identities a service's endpoints may present (Istio's service accounts of a ServiceEntry):
 * its `subjectAltNames`, then each endpoint's serviceAccount as a SPIFFE ID.
 */
export function serviceAccounts(service: Service, trustDomain: string): string[] {
  const out = [...(service.entry.spec.subjectAltNames ?? [])];
  const spiffe = service.endpoints.filter((e) => e.serviceAccount).map((e) => `spiffe://${trustDomain}/ns/${service.namespace}/sa/${e.serviceAccount}`);
  for (const id of [...new Set(spiffe)].sort()) if (!out.includes(id)) out.push(id);
  return out;
}

export function upstreamTransportSocket(tls: ClientTLSSettings | undefined, t: TlsTarget): Cluster['transport_socket'] {
  const mode = tls?.mode ?? 'DISABLE';
  if (!tls || mode === 'DISABLE') return undefined;
  const sans = tls.subjectAltNames?.length ? tls.subjectAltNames : serviceAccounts(t.service, t.trustDomain);
  let settings: UpstreamTls;
  if (mode === 'ISTIO_MUTUAL') {
    // Mesh identity: the workload certificate (`default`) and the mesh root (`ROOTCA`).
    settings = {
      mode,
      sni: tls.sni || istioMtlsSni({ host: t.service.hostname, port: t.port, subset: t.subset }),
      trusted_ca_secret: 'ROOTCA',
      client_certificate_secret: 'default',
      ...(sans.length ? { subject_alt_names: [...sans] } : {}),
    };
  } else {
    // SIMPLE/MUTUAL: Istio leaves an unset SNI to auto_sni (the request's authority); meshgate
    // names the service host, which is the authority an egress route carries. A wildcard host is
    // no server name, so there the data plane falls back to the request's authority.
    const sni = tls.sni || (isWildcard(t.service.hostname) ? undefined : t.service.hostname);
    const skipVerify = tls.insecureSkipVerify === true;
    const trusted = skipVerify ? undefined : tls.credentialName ? `kubernetes://${tls.credentialName}` : `file-root:${tls.caCertificates || 'system'}`;
    const client = mode !== 'MUTUAL' ? undefined : tls.credentialName ? `kubernetes://${tls.credentialName}` : `file-cert:${tls.clientCertificate ?? ''}~${tls.privateKey ?? ''}`;
    settings = {
      mode,
      ...(sni ? { sni } : {}),
      ...(trusted ? { trusted_ca_secret: trusted } : {}),
      ...(client ? { client_certificate_secret: client } : {}),
      ...(!skipVerify && sans.length ? { subject_alt_names: [...sans] } : {}),
      ...(skipVerify ? { insecure_skip_verify: true } : {}),
    };
  }
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT, ...(settings.sni ? { sni: settings.sni } : {}) },
    'meshgate.tls': settings,
  };
}
