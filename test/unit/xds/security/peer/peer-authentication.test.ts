import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../../src/config/manifest.ts';
import { buildPushContext } from '../../../../../src/xds/push-context.ts';
import { buildPeerAuthenticationFilters, buildTrustBundleSecret } from '../../../../../src/xds/security/peer-authentication.ts';
import { buildHttpFilters } from '../../../../../src/xds/filters/http-filters.ts';
import { PeerAuthn, PEER_AUTHN_TYPE } from '../../../../../src/xds/filters/peer-authn.ts';
import { Secret } from '../../../../../src/xds/resources/secret.ts';
import type { Node } from '../../../../../src/xds/protocol.ts';

// PeerAuthentication (Istio YAML) → the exact `meshgate.filters.http.peer_authn` config.

const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway', app: 'gw' } };

/** Resources in the order given get increasing creationTimestamps unless they set their own. */
function push(yaml: string, trust?: { roots: string[]; jwks?: string }) {
  const r = loadManifest(yaml, { source: 'test.yaml' });
  expect(r.issues.filter((x) => x.severity === 'error')).toEqual([]);
  const resources = r.resources.map((x, i) => ({
    ...x.resource,
    metadata: { ...x.resource.metadata, creationTimestamp: x.resource.metadata.creationTimestamp ?? `2026-01-01T00:00:${String(i).padStart(2, '0')}Z` },
  }));
  return Object.assign(buildPushContext(resources, 1), trust ? { trustBundle: trust } : {});
}

const pa = (ns: string, name: string, spec: string, created?: string) =>
  `---\napiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: ${name}\n  namespace: ${ns}\n${created ? `  creationTimestamp: "${created}"\n` : ''}spec:\n${spec
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;

const filter = (yaml: string, node: Node = ingress, trust?: { roots: string[] }) => {
  const [f, ...rest] = buildPeerAuthenticationFilters(push(yaml, trust), node);
  expect(rest).toEqual([]);
  expect(f!.name).toBe('meshgate.filters.http.peer_authn');
  return PeerAuthn.parse(f!.typed_config);
};

const base = { '@type': PEER_AUTHN_TYPE, trust_domains: ['cluster.local'], trust_bundle_secret: 'ROOTCA' };

describe('PeerAuthentication precedence → peer_authn filter', () => {
  test('no policy: PERMISSIVE (the filter is still there: it sets the identity and strips forged headers)', () => {
    expect(filter('')).toEqual({ ...base, mode: 'PERMISSIVE' });
    const chain = buildHttpFilters(push(''), ingress).map((f) => f.name);
    expect(chain[0]).toBe('meshgate.filters.http.peer_authn');
  });

  test("mesh-wide and namespace-wide policies (no selector) never reach a gateway, as in Istio: mesh-wide STRICT leaves the ingress open", () => {
    expect(filter(pa('istio-system', 'default', 'mtls:\n  mode: STRICT'))).toEqual({ ...base, mode: 'PERMISSIVE' });
    const node: Node = { ...ingress, namespace: 'gateways' };
    expect(filter(pa('istio-system', 'mesh', 'mtls:\n  mode: STRICT') + pa('gateways', 'ns', 'mtls:\n  mode: STRICT'), node)).toEqual({ ...base, mode: 'PERMISSIVE' });
    // `selector: {}` is no selector.
    expect(filter(pa('istio-system', 'empty', 'selector: {}\nmtls:\n  mode: STRICT'))).toEqual({ ...base, mode: 'PERMISSIVE' });
  });

  test('a policy in another namespace (a destination namespace) does not apply to the gateway', () => {
    expect(filter(pa('bookinfo', 'gw', 'selector:\n  matchLabels:\n    istio: ingressgateway\nmtls:\n  mode: STRICT'))).toEqual({ ...base, mode: 'PERMISSIVE' });
  });

  test("a policy selecting the gateway (in its namespace) sets its mode; a selector that does not match is ignored; UNSET is PERMISSIVE", () => {
    const node: Node = { ...ingress, namespace: 'gateways' };
    const yaml =
      pa('istio-system', 'mesh', 'mtls:\n  mode: DISABLE') +
      pa('gateways', 'other', 'selector:\n  matchLabels:\n    istio: egressgateway\nmtls:\n  mode: DISABLE') +
      pa('gateways', 'gw', 'selector:\n  matchLabels:\n    istio: ingressgateway\nmtls:\n  mode: STRICT');
    expect(filter(yaml, node)).toEqual({ ...base, mode: 'STRICT', source: { workload: 'gateways/gw' } });
    const unset = pa('istio-system', 'mesh', 'mtls:\n  mode: STRICT') + pa('gateways', 'gw', 'selector:\n  matchLabels:\n    app: gw\nportLevelMtls:\n  "8443":\n    mode: DISABLE');
    expect(filter(unset, node)).toEqual({ ...base, mode: 'PERMISSIVE', port_level_mtls: { '8443': 'DISABLE' }, source: { workload: 'gateways/gw' } });
  });

  test('several selecting the gateway: the oldest (creationTimestamp) wins, whatever the order given', () => {
    const yaml =
      pa('istio-system', 'gw-new', 'selector:\n  matchLabels:\n    istio: ingressgateway\nmtls:\n  mode: PERMISSIVE', '2026-03-02T00:00:00Z') +
      pa('istio-system', 'gw-old', 'selector:\n  matchLabels:\n    app: gw\nmtls:\n  mode: DISABLE', '2026-03-01T00:00:00Z');
    expect(filter(yaml)).toEqual({ ...base, mode: 'DISABLE', source: { workload: 'istio-system/gw-old' } });
  });

  test('portLevelMtls keyed by edge port; UNSET ports take the policy mode', () => {
    const yaml =
      pa('istio-system', 'default', 'mtls:\n  mode: PERMISSIVE') +
      pa('istio-system', 'gw', 'selector:\n  matchLabels:\n    istio: ingressgateway\nmtls:\n  mode: STRICT\nportLevelMtls:\n  "80":\n    mode: PERMISSIVE\n  "8080":\n    mode: UNSET\n  "9443":\n    mode: DISABLE');
    expect(filter(yaml)).toEqual({ ...base, mode: 'STRICT', port_level_mtls: { '80': 'PERMISSIVE', '8080': 'STRICT', '9443': 'DISABLE' }, source: { workload: 'istio-system/gw' } });
  });

  test('trust domains, inline roots, trusted proxies and the ROOTCA secret', () => {
    const mesh = `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    trustDomain: example.org\n    trustDomainAliases: [old.example.org]\n    meshgate:\n      trustedProxies:\n        cidrs: [10.0.0.0/8, 192.0.2.7]\n        clientCertHeader: xfcc\n`;
    const root = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    const ctx = push(mesh + pa('istio-system', 'gw', 'selector:\n  matchLabels:\n    istio: ingressgateway\nmtls:\n  mode: STRICT'), { roots: [root], jwks: '{"keys":[]}' });
    expect(PeerAuthn.parse(buildPeerAuthenticationFilters(ctx, ingress)[0]!.typed_config)).toEqual({
      '@type': PEER_AUTHN_TYPE,
      mode: 'STRICT',
      trust_domains: ['example.org', 'old.example.org'],
      trust_bundle_secret: 'ROOTCA',
      trusted_roots: [root],
      trusted_proxies: { cidrs: ['10.0.0.0/8', '192.0.2.7'], client_cert_header: 'xfcc' },
      source: { workload: 'istio-system/gw' },
    });
    expect(Secret.parse(buildTrustBundleSecret(ctx))).toEqual({ name: 'ROOTCA', validation_context: { trusted_ca: { inline_string: root } }, 'meshgate.jwks': '{"keys":[]}' });
    expect(buildTrustBundleSecret(push(''))).toBeUndefined();
  });

  test('trusted proxies with clientCertHeader none (or unset) forward no certificate', () => {
    const mesh = (h: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: istio\n  namespace: istio-system\ndata:\n  mesh: |\n    meshgate:\n      trustedProxies:\n        cidrs: [10.0.0.0/8]\n${h}`;
    expect(filter(mesh('        clientCertHeader: none\n')).trusted_proxies).toBeUndefined();
    expect(filter(mesh('')).trusted_proxies).toBeUndefined();
  });

  test('the schema refuses an unresolved mode, a bad port or a bad CIDR (the gateway NACKs)', () => {
    expect(PeerAuthn.safeParse({ ...base, mode: 'UNSET' }).success).toBe(false);
    expect(PeerAuthn.safeParse({ ...base, mode: 'STRICT', port_level_mtls: { '0': 'STRICT' } }).success).toBe(false);
    expect(PeerAuthn.safeParse({ ...base, mode: 'STRICT', trusted_proxies: { cidrs: ['10.0.0.0/33'], client_cert_header: 'xfcc' } }).success).toBe(false);
    expect(PeerAuthn.safeParse({ ...base, mode: 'STRICT', trusted_roots: ['not a pem'] }).success).toBe(false);
  });
});
