import type { UpstreamTls } from '../../xds/resources/cluster.ts';

// TLS origination on the edge (docs/egress-tls.md). A Worker cannot configure TLS per fetch: the
// global `fetch` trusts the public CAs only and verifies the URL host; a client certificate (and,
// locally, a private trust anchor) comes from a service binding that is a Fetcher — in production
// an `mtls_certificates` binding, locally a Miniflare `network` service with `tlsOptions`. So a
// cluster's `meshgate.tls` picks the Fetcher of the upstream attempt:
//
//   ISTIO_MUTUAL                                  → MTLS_MESH, required
//   MUTUAL, client cert `kubernetes://NAME`       → MTLS_<NAME>, required
//   MUTUAL, client cert `file-cert:CERT~KEY`      → MTLS_<basename of CERT>, required
//   SIMPLE, trusted CA `kubernetes://NAME`        → MTLS_<NAME> if bound, else global fetch
//   SIMPLE, trusted CA `file-root:PATH`           → MTLS_<basename of PATH> if bound, else global fetch
//   SIMPLE, `file-root:system` / no trusted CA    → global fetch
//
// NAME in UPPER_SNAKE (`partner-client` → MTLS_PARTNER_CLIENT). A required binding that is
// missing makes the attempt a connect failure (503 "… connection failure") with a log line that
// names it. `sni` and `insecure_skip_verify` cannot be honoured by any Fetcher (the SNI is the
// URL host, verification is always on): the gateway warns once per cluster.

/** Binding of the mesh workload certificate (ISTIO_MUTUAL: SDS secrets `default` / `ROOTCA`). */
export const MESH_MTLS_BINDING = 'MTLS_MESH';

/** `partner-client` → `MTLS_PARTNER_CLIENT`. */
export const mtlsBindingName = (name: string): string => `MTLS_${name.toUpperCase().replace(/[^A-Z0-9]+/g, '_').replace(/^_+|_+$/g, '')}`;

const baseName = (p: string): string => {
  const file = p.split(/[\\/]/).pop() ?? '';
  const dot = file.lastIndexOf('.');
  return dot > 0 ? file.slice(0, dot) : file;
};

/**
 * The binding an SDS secret name maps to: `kubernetes://NAME` (or `kubernetes://NS/NAME`) →
 * MTLS_NAME; `file-root:PATH` / `file-cert:CERT~KEY` → MTLS_<basename without extension>;
 * `default` / `ROOTCA` → MTLS_MESH. `file-root:system` (the public roots) and unknown forms: none.
 */
export function secretBinding(secret: string | undefined): string | undefined {
  if (!secret) return undefined;
  if (secret === 'default' || secret === 'ROOTCA') return MESH_MTLS_BINDING;
  let name = '';
  if (secret.startsWith('kubernetes://')) name = secret.slice('kubernetes://'.length).split('/').pop() ?? '';
  else if (secret.startsWith('file-root:')) {
    const p = secret.slice('file-root:'.length);
    name = p === 'system' ? '' : baseName(p);
  } else if (secret.startsWith('file-cert:')) name = baseName(secret.slice('file-cert:'.length).split('~')[0] ?? '');
  return /[A-Za-z0-9]/.test(name) ? mtlsBindingName(name) : undefined;
}

export interface TlsBindingPlan {
  mode: UpstreamTls['mode'];
  /** The binding to fetch through (when present in env). */
  binding: string | undefined;
  /** MUTUAL / ISTIO_MUTUAL: without the binding the attempt fails (connect failure). */
  required: boolean;
  /** SIMPLE with a private trust anchor (not `file-root:system`): global fetch cannot pin it. */
  privateCa: boolean;
}

/** Pure: which Fetcher a cluster's TLS settings ask for. Undefined ⇒ plain (no TLS settings). */
export function tlsBindingPlan(tls: UpstreamTls | undefined): TlsBindingPlan | undefined {
  if (!tls) return undefined;
  if (tls.mode === 'ISTIO_MUTUAL') return { mode: tls.mode, binding: MESH_MTLS_BINDING, required: true, privateCa: true };
  if (tls.mode === 'MUTUAL') {
    return { mode: tls.mode, binding: secretBinding(tls.client_certificate_secret) ?? secretBinding(tls.trusted_ca_secret), required: true, privateCa: secretBinding(tls.trusted_ca_secret) !== undefined };
  }
  const binding = secretBinding(tls.trusted_ca_secret);
  return { mode: tls.mode, binding, required: false, privateCa: binding !== undefined };
}

/** A credential's identity: a client certificate by its certificate file (the key path aside), else the secret name. */
const credentialOf = (secret: string) => (secret.startsWith('file-cert:') ? secret.slice('file-cert:'.length).split('~')[0]! : secret);

/**
 * Refuses (NACK) a snapshot in which a client certificate's binding is also reached by another
 * credential: binding names come from base names (`…/a-certs/tls.crt` and `…/b-certs/tls.crt` are
 * both MTLS_TLS), so the gateway would present one upstream's client certificate to another, or a
 * SIMPLE cluster pinning another CA through that binding would present it. Istio keeps each path
 * its own SDS secret. Clusters without a client certificate at stake (SIMPLE with SIMPLE) are
 * left alone: at worst they pin the wrong CA, and fail closed.
 */
export function checkTlsBindings(clusters: readonly { name: string; tls: UpstreamTls | undefined }[]): void {
  const uses = new Map<string, { credential: string; cluster: string; client: boolean }[]>();
  for (const c of clusters) {
    const plan = tlsBindingPlan(c.tls);
    if (!plan?.binding || plan.binding === MESH_MTLS_BINDING) continue;
    const client = plan.mode === 'MUTUAL' && secretBinding(c.tls!.client_certificate_secret) === plan.binding;
    const secret = (client ? c.tls!.client_certificate_secret : c.tls!.trusted_ca_secret) ?? '';
    let list = uses.get(plan.binding);
    if (!list) uses.set(plan.binding, (list = []));
    list.push({ credential: credentialOf(secret), cluster: c.name, client });
  }
  for (const [binding, list] of uses) {
    const client = list.find((u) => u.client);
    const other = client && list.find((u) => u.credential !== client.credential);
    if (!client || !other) continue;
    const what = (u: typeof client) => `${u.cluster} (${u.client ? 'client certificate' : 'trusted CA'} ${u.credential})`;
    throw new Error(`clusters ${what(client)} and ${what(other)} both map to binding ${binding}: the gateway would present that client certificate for both; give each credential a distinct name (credentialName, or distinct file names)`);
  }
}

const isFetcher = (v: unknown): v is Fetcher => typeof v === 'object' && v !== null && typeof (v as Fetcher).fetch === 'function';

/** The attempt's Fetcher: a binding, the global fetch (`undefined`), or why there is none. */
export type TlsFetcher = { fetcher: Fetcher | undefined } | { error: string };

/** Warnings already logged in this isolate (cluster + kind), so each is logged once. */
const warned = new Set<string>();
const warnOnce = (cluster: string, kind: string, line: string) => {
  const key = `${cluster}\u0000${kind}`;
  if (warned.has(key)) return;
  warned.add(key);
  console.warn(line);
};
/** Tests: forget which warnings were logged. */
export const resetTlsWarnings = () => warned.clear();

/**
 * The Fetcher for one attempt of a cluster at `url` (an https URL for TLS clusters). Logs, once
 * per cluster, the settings the edge cannot honour.
 */
export function tlsFetcher(cluster: { name: string; tls: UpstreamTls | undefined }, env: Record<string, unknown>, url: string): TlsFetcher {
  const plan = tlsBindingPlan(cluster.tls);
  if (!plan || !cluster.tls) return { fetcher: undefined };
  const tls = cluster.tls;
  const bound = plan.binding !== undefined ? env[plan.binding] : undefined;
  const fetcher = isFetcher(bound) ? bound : undefined;
  if (plan.required && !fetcher) {
    const what = plan.mode === 'ISTIO_MUTUAL' ? 'the mesh workload certificate' : `client certificate ${tls.client_certificate_secret ?? '(none)'}`;
    return {
      error: plan.binding
        ? `TLS ${plan.mode} needs ${what}: no mTLS certificate binding named ${plan.binding} on this gateway (production: [[mtls_certificates]] binding = "${plan.binding}"; meshgate dev: --mtls ${plan.binding.slice('MTLS_'.length).toLowerCase().replace(/_/g, '-')}=CERT.pem,KEY.pem[,CA.pem])`
        : `TLS ${plan.mode} needs ${what}, which names no binding; set credentialName on the DestinationRule`,
    };
  }
  if (!fetcher && plan.privateCa) {
    warnOnce(cluster.name, 'ca', `upstream ${cluster.name}: TLS ${plan.mode} trust anchor ${tls.trusted_ca_secret} cannot be pinned without a binding named ${plan.binding}; verifying against the public CAs`);
  }
  if (tls.insecure_skip_verify) {
    warnOnce(cluster.name, 'skip', `upstream ${cluster.name}: TLS insecureSkipVerify cannot be honoured on Workers; the server certificate is verified${fetcher ? ` against ${plan.binding}'s trust` : ' against the public CAs'}`);
  }
  if (tls.subject_alt_names?.length) {
    warnOnce(cluster.name, 'san', `upstream ${cluster.name}: TLS subjectAltNames ${tls.subject_alt_names.join(', ')} cannot be checked on Workers; the server certificate is verified for the URL host only`);
  }
  if (tls.sni) {
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      /* not a URL: no comparison */
    }
    if (host && host.replace(/^\[|\]$/g, '') !== tls.sni) warnOnce(cluster.name, 'sni', `upstream ${cluster.name}: TLS sni ${tls.sni} cannot be honoured on Workers; the server name sent and verified is the URL host ${host}`);
  }
  return { fetcher };
}
