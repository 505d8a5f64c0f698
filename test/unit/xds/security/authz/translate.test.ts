import { describe, expect, test } from 'vitest';
import { buildAuthorizationFilters } from '../../../../../src/xds/security/authorization.ts';
import { buildHttpFilters } from '../../../../../src/xds/filters/http-filters.ts';
import { RbacFilterConfig } from '../../../../../src/xds/filters/rbac.ts';
import { ExtAuthzFilterConfig } from '../../../../../src/xds/filters/ext-authz.ts';
import { ap, ingress, meshConfig, pushOf } from './helpers.ts';

// AuthorizationPolicy YAML → the exact rbac / ext_authz filter configs of the gateway listener.

const RBAC = 'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC';
const GW = '  selector: {matchLabels: {istio: ingressgateway}}\n';

describe('rules → Envoy RBAC policies', () => {
  test('every Source field, with not-forms, in Istio order', () => {
    const push = pushOf(ap('src', 'istio-system', `${GW}  rules:
  - from:
    - source:
        principals: [cluster.local/ns/a/sa/x, "cluster.local/ns/b/*", "*/sa/y", "*"]
        notPrincipals: [cluster.local/ns/a/sa/bad]
        requestPrincipals: [iss/sub]
        notRequestPrincipals: ["*"]
        namespaces: [a, "pre*"]
        notNamespaces: [kube-system]
        ipBlocks: [10.0.0.0/8, 1.2.3.4]
        notIpBlocks: ["2001:db8::/32"]
        remoteIpBlocks: [192.168.0.0/16]
        notRemoteIpBlocks: [192.168.1.1]
        trustDomains: [td.example]
        notTrustDomains: [evil.example]
    - source:
        serviceAccounts: [ns1/sa1, sa-here]
        notServiceAccounts: [ns1/sa2]`));
    const [f] = buildAuthorizationFilters(push, ingress);
    expect(f!.name).toBe('envoy.filters.http.rbac');
    const c = RbacFilterConfig.parse(f!.typed_config);
    const policy = c.rules!.policies['ns[istio-system]-policy[src]-rule[0]']!;
    expect(c.rules!.action).toBe('ALLOW');
    expect(policy.permissions).toEqual([{ any: true }]);
    const spiffe = (m: object) => ({ authenticated: { principal_name: m } });
    const re = (r: string) => spiffe({ safe_regex: { regex: r } });
    // requestPrincipals: the token's iss and sub claims, each matched on its own (Istio extendedPrincipal).
    const claim = (key: string, m: object) => ({ metadata: { filter: 'istio_authn', path: [{ key: 'request.auth.claims' }, { key }], value: { string_match: m } } });
    const principal = (iss: object, sub: object) => ({ and_ids: { ids: [claim('iss', iss), claim('sub', sub)] } });
    const any = { safe_regex: { regex: '.+' } };
    expect(policy.principals).toEqual([{
      and_ids: { ids: [{ or_ids: { ids: [
        { and_ids: { ids: [
          { or_ids: { ids: [spiffe({ exact: 'spiffe://cluster.local/ns/a/sa/x' }), spiffe({ prefix: 'spiffe://cluster.local/ns/b/' }), re('spiffe://.*/sa/y'), re('spiffe://.+')] } },
          { not_id: { or_ids: { ids: [spiffe({ exact: 'spiffe://cluster.local/ns/a/sa/bad' })] } } },
          { or_ids: { ids: [principal({ exact: 'iss' }, { exact: 'sub' })] } },
          { not_id: { or_ids: { ids: [principal(any, any)] } } },
          { or_ids: { ids: [re('spiffe://[^/]+/ns/a/.*'), re('spiffe://[^/]+/ns/pre[^/]*/.*')] } },
          { not_id: { or_ids: { ids: [re('spiffe://[^/]+/ns/kube-system/.*')] } } },
          { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }, { direct_remote_ip: { address_prefix: '1.2.3.4', prefix_len: 32 } }] } },
          { not_id: { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '2001:db8::', prefix_len: 32 } }] } } },
          { or_ids: { ids: [{ remote_ip: { address_prefix: '192.168.0.0', prefix_len: 16 } }] } },
          { not_id: { or_ids: { ids: [{ remote_ip: { address_prefix: '192.168.1.1', prefix_len: 32 } }] } } },
          { or_ids: { ids: [re('spiffe://td\\.example/.*')] } },
          { not_id: { or_ids: { ids: [re('spiffe://evil\\.example/.*')] } } },
        ] } },
        { and_ids: { ids: [
          // A bare name is in the policy's namespace (Istio serviceAccountRegex).
          { or_ids: { ids: [re('spiffe://.+/ns/ns1/(.+/|)sa/sa1(/.+)?'), re('spiffe://.+/ns/istio-system/(.+/|)sa/sa-here(/.+)?')] } },
          { not_id: { or_ids: { ids: [re('spiffe://.+/ns/ns1/(.+/|)sa/sa2(/.+)?')] } } },
        ] } },
      ] } }] },
    }]);
  });

  test('every Operation field: hosts case-insensitive on :authority, ports, methods, paths and templates', () => {
    const push = pushOf(ap('op', 'istio-system', `${GW}  rules:
  - to:
    - operation:
        hosts: [example.com, "*.example.com"]
        notHosts: ["example.com:*"]
        ports: ["443"]
        notPorts: ["8080"]
        methods: [GET, HEAD]
        notMethods: [DELETE]
        paths: [/exact, "/pre*", "*.js", "/a/{*}/b/{**}"]
        notPaths: ["*"]`));
    const c = RbacFilterConfig.parse(buildAuthorizationFilters(push, ingress)[0]!.typed_config);
    const p = c.rules!.policies['ns[istio-system]-policy[op]-rule[0]']!;
    expect(p.principals).toEqual([{ any: true }]);
    const h = (name: string, m: object) => ({ header: { name, string_match: m } });
    expect(p.permissions).toEqual([{ and_rules: { rules: [{ or_rules: { rules: [{ and_rules: { rules: [
      { or_rules: { rules: [h(':authority', { exact: 'example.com', ignore_case: true }), h(':authority', { suffix: '.example.com', ignore_case: true })] } },
      { not_rule: { or_rules: { rules: [h(':authority', { prefix: 'example.com:', ignore_case: true })] } } },
      { or_rules: { rules: [{ destination_port: 443 }] } },
      { not_rule: { or_rules: { rules: [{ destination_port: 8080 }] } } },
      { or_rules: { rules: [h(':method', { exact: 'GET' }), h(':method', { exact: 'HEAD' })] } },
      { not_rule: { or_rules: { rules: [h(':method', { exact: 'DELETE' })] } } },
      { or_rules: { rules: [
        { url_path: { path: { exact: '/exact' } } },
        { url_path: { path: { prefix: '/pre' } } },
        { url_path: { path: { suffix: '.js' } } },
        { uri_template: { name: 'envoy.path.match.uri_template.uri_template_matcher', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/a/{*}/b/{**}' } } },
      ] } },
      { not_rule: { or_rules: { rules: [{ url_path: { path: { safe_regex: { regex: '.+' } } } }] } } },
    ] } }] } }] } }]);
  });

  test('every when key lands on the permission or the principal side', () => {
    const push = pushOf(ap('when', 'istio-system', `${GW}  rules:
  - when:
    - {key: "request.headers[X-Team]", values: [blue], notValues: ["*"]}
    - {key: source.ip, values: [10.0.0.0/8]}
    - {key: remote.ip, notValues: ["::1"]}
    - {key: source.namespace, values: [ns1]}
    - {key: source.principal, values: [cluster.local/ns/ns1/sa/a]}
    - {key: source.serviceAccount, values: [ns1/a]}
    - {key: source.trustDomain, values: [cluster.local]}
    - {key: request.auth.principal, values: [iss/sub]}
    - {key: request.auth.audiences, values: [aud1]}
    - {key: request.auth.presenter, values: [client]}
    - {key: "request.auth.claims[groups]", values: [admins]}
    - {key: "request.auth.claims[nested][role]", values: ["adm*"]}
    - {key: destination.ip, values: [10.1.0.0/16]}
    - {key: destination.port, values: ["443"]}
    - {key: connection.sni, values: ["*.example.com"]}
    - {key: "experimental.envoy.filters.http.foo[bar]", values: [baz]}`));
    const p = RbacFilterConfig.parse(buildAuthorizationFilters(push, ingress)[0]!.typed_config).rules!.policies['ns[istio-system]-policy[when]-rule[0]']!;
    expect(p.permissions).toEqual([{ and_rules: { rules: [
      { or_rules: { rules: [{ destination_ip: { address_prefix: '10.1.0.0', prefix_len: 16 } }] } },
      { or_rules: { rules: [{ destination_port: 443 }] } },
      { or_rules: { rules: [{ requested_server_name: { suffix: '.example.com' } }] } },
    ] } }]);
    const md = (path: string[], value: object) => ({ metadata: { filter: 'istio_authn', path: path.map((key) => ({ key })), value } });
    const re = (r: string) => ({ authenticated: { principal_name: { safe_regex: { regex: r } } } });
    expect(p.principals).toEqual([{ and_ids: { ids: [
      { or_ids: { ids: [{ header: { name: 'X-Team', string_match: { exact: 'blue' } } }] } },
      { not_id: { or_ids: { ids: [{ header: { name: 'X-Team', present_match: true } }] } } },
      { or_ids: { ids: [{ direct_remote_ip: { address_prefix: '10.0.0.0', prefix_len: 8 } }] } },
      { not_id: { or_ids: { ids: [{ remote_ip: { address_prefix: '::1', prefix_len: 128 } }] } } },
      { or_ids: { ids: [re('spiffe://[^/]+/ns/ns1/.*')] } },
      { or_ids: { ids: [{ authenticated: { principal_name: { exact: 'spiffe://cluster.local/ns/ns1/sa/a' } } }] } },
      { or_ids: { ids: [re('spiffe://.+/ns/ns1/(.+/|)sa/a(/.+)?')] } },
      { or_ids: { ids: [re('spiffe://cluster\\.local/.*')] } },
      { or_ids: { ids: [{ and_ids: { ids: [md(['request.auth.claims', 'iss'], { string_match: { exact: 'iss' } }), md(['request.auth.claims', 'sub'], { string_match: { exact: 'sub' } })] } }] } },
      { or_ids: { ids: [md(['request.auth.audiences'], { list_match: { one_of: { string_match: { exact: 'aud1' } } } })] } },
      { or_ids: { ids: [md(['request.auth.presenter'], { string_match: { exact: 'client' } })] } },
      { or_ids: { ids: [md(['request.auth.claims', 'groups'], { list_match: { one_of: { string_match: { exact: 'admins' } } } })] } },
      { or_ids: { ids: [md(['request.auth.claims', 'nested', 'role'], { list_match: { one_of: { string_match: { prefix: 'adm' } } } })] } },
      { or_ids: { ids: [{ metadata: { filter: 'envoy.filters.http.foo', path: [{ key: 'bar' }], value: { string_match: { exact: 'baz' } } } }] } },
    ] } }]);
  });

  test('`rules: [{}]` is one always-matching policy; `spec: {}` an ALLOW filter with no policy (deny all)', () => {
    const all = RbacFilterConfig.parse(buildAuthorizationFilters(pushOf(ap('all', 'istio-system', `${GW}  rules: [{}]`)), ingress)[0]!.typed_config);
    expect(all.rules).toEqual({ action: 'ALLOW', policies: { 'ns[istio-system]-policy[all]-rule[0]': { permissions: [{ any: true }], principals: [{ any: true }] } } });
    const none = buildAuthorizationFilters(pushOf(ap('none', 'istio-system', '  {}')), ingress);
    expect(none).toEqual([{ name: 'envoy.filters.http.rbac', typed_config: { '@type': RBAC, rules: { action: 'ALLOW', policies: {} } } }]);
  });
});

describe('filter order and actions', () => {
  const yaml = `${meshConfig(`
extensionProviders:
- name: authz
  envoyExtAuthzHttp:
    service: authz.foo.svc.cluster.local
    port: 8000
    pathPrefix: /check
    timeout: 2s
    failOpen: true
    statusOnError: "503"
    includeRequestHeadersInCheck: [x-user, "x-ext-*"]
    includeAdditionalHeadersInCheck: {x-b: "2", x-a: "1"}
    headersToUpstreamOnAllow: [x-authz-user]
    headersToDownstreamOnDeny: [x-reason]
    includeRequestBodyInCheck: {maxRequestBytes: 1024, allowPartialMessage: true}
`)}${ap('allow', 'istio-system', `  rules: [{to: [{operation: {paths: ["/public*"]}}]}]`)}${ap('deny', 'istio-system', `  action: DENY\n  rules: [{to: [{operation: {paths: [/admin]}}]}]`)}${ap('audit', 'istio-system', `  action: AUDIT\n  rules: [{}]`)}${ap('custom', 'istio-system', `  action: CUSTOM\n  provider: {name: authz}\n  rules: [{to: [{operation: {paths: ["/ext*"]}}]}]`)}`;

  test('AUDIT (LOG), CUSTOM (shadow rbac + ext_authz), DENY, ALLOW — then cors, fault, router', () => {
    const mine = new Set(['envoy.filters.http.rbac', 'envoy.filters.http.ext_authz', 'envoy.filters.http.cors', 'envoy.filters.http.fault', 'envoy.filters.http.router']);
    const filters = buildHttpFilters(pushOf(yaml), ingress).filter((f) => mine.has(f.name));
    expect(filters.map((f) => [f.name, (f.typed_config as { rules?: { action: string } }).rules?.action])).toEqual([
      ['envoy.filters.http.rbac', 'LOG'],
      ['envoy.filters.http.rbac', undefined],
      ['envoy.filters.http.ext_authz', undefined],
      ['envoy.filters.http.rbac', 'DENY'],
      ['envoy.filters.http.rbac', 'ALLOW'],
      ['envoy.filters.http.cors', undefined],
      ['envoy.filters.http.fault', undefined],
      ['envoy.filters.http.router', undefined],
    ]);
    const shadow = RbacFilterConfig.parse(filters[1]!.typed_config);
    expect(shadow.shadow_rules_stat_prefix).toBe('istio_ext_authz_');
    expect(Object.keys(shadow.shadow_rules!.policies)).toEqual(['istio-ext-authz-ns[istio-system]-policy[custom]-rule[0]']);
    expect(shadow.shadow_rules!.action).toBe('ALLOW');
  });

  test('the ext_authz config from the MeshConfig provider', () => {
    const ext = buildHttpFilters(pushOf(yaml), ingress).find((f) => f.name === 'envoy.filters.http.ext_authz')!;
    expect(ExtAuthzFilterConfig.parse(ext.typed_config)).toEqual(ext.typed_config);
    expect(ext.typed_config).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz',
      http_service: {
        server_uri: { uri: 'http://authz.foo.svc.cluster.local:8000', cluster: 'outbound|8000||authz.foo.svc.cluster.local', timeout: '2s' },
        path_prefix: '/check',
        authorization_request: {
          allowed_headers: { patterns: [{ exact: 'x-user', ignore_case: true }, { prefix: 'x-ext-', ignore_case: true }] },
          headers_to_add: [{ key: 'x-a', value: '1' }, { key: 'x-b', value: '2' }],
        },
        authorization_response: {
          allowed_upstream_headers: { patterns: [{ exact: 'x-authz-user', ignore_case: true }] },
          allowed_client_headers: { patterns: [{ exact: 'x-reason', ignore_case: true }] },
        },
      },
      transport_api_version: 'V3',
      failure_mode_allow: true,
      status_on_error: { code: 503 },
      with_request_body: { max_request_bytes: 1024, allow_partial_message: true },
      filter_enabled_metadata: { filter: 'envoy.filters.http.rbac', path: [{ key: 'istio_ext_authz_shadow_effective_policy_id' }], value: { string_match: { prefix: 'istio-ext-authz-' } } },
    });
  });

  test('provider defaults: 600s timeout, 403 on error, fail closed; a worker: endpoint is reached by service binding', () => {
    const push = pushOf(`${meshConfig(`
extensionProviders:
- name: authz
  envoyExtAuthzHttp: {service: foo/authz.internal, port: 80}
`)}apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: authz, namespace: foo}
spec:
  hosts: [authz.internal]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: STATIC
  endpoints: [{address: "worker:AUTHZ"}]
---
${ap('custom', 'istio-system', `  action: CUSTOM\n  provider: {name: authz}\n  rules: [{}]`)}`);
    const ext = buildAuthorizationFilters(push, ingress)[1]!;
    expect(ext.typed_config).toMatchObject({
      http_service: { server_uri: { uri: 'http://authz.internal:80', timeout: '600s', 'meshgate.binding': 'AUTHZ' } },
      failure_mode_allow: false,
      status_on_error: { code: 403 },
    });
  });

  test('a CUSTOM policy naming an unknown provider fails closed: its rules become DENY rules', () => {
    const push = pushOf(ap('custom', 'istio-system', `  action: CUSTOM\n  provider: {name: nope}\n  rules: [{to: [{operation: {paths: [/x]}}]}]`));
    const filters = buildAuthorizationFilters(push, ingress);
    expect(filters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac']);
    expect(RbacFilterConfig.parse(filters[0]!.typed_config).rules).toMatchObject({ action: 'DENY', policies: { 'ns[istio-system]-policy[custom]-rule[0]': {} } });
  });

  test('CUSTOM policies naming two providers at one enforcement point all fail closed, as in Istio', () => {
    const push = pushOf(`${meshConfig(`
extensionProviders:
- name: a
  envoyExtAuthzHttp: {service: a.foo.svc.cluster.local, port: 80}
- name: b
  envoyExtAuthzHttp: {service: b.foo.svc.cluster.local, port: 80}
`)}${ap('first', 'istio-system', `  action: CUSTOM\n  provider: {name: a}\n  rules: [{to: [{operation: {paths: [/a]}}]}]`)}${ap('second', 'istio-system', `  action: CUSTOM\n  provider: {name: b}\n  rules: [{to: [{operation: {paths: [/b]}}]}]`)}`);
    const filters = buildAuthorizationFilters(push, ingress);
    expect(filters.map((f) => f.name)).toEqual(['envoy.filters.http.rbac']);
    const deny = RbacFilterConfig.parse(filters[0]!.typed_config).rules!;
    expect([deny.action, Object.keys(deny.policies).sort()]).toEqual(['DENY', ['ns[istio-system]-policy[first]-rule[0]', 'ns[istio-system]-policy[second]-rule[0]']]);
  });
});

describe('scope at the gateway listener', () => {
  const names = (yaml: string) =>
    buildAuthorizationFilters(pushOf(yaml), ingress).flatMap((f) => (f.name === 'envoy.filters.http.rbac' ? Object.keys(RbacFilterConfig.parse(f.typed_config).rules?.policies ?? {}) : [f.name]));

  test('root namespace without selector (mesh-wide) and with the gateway selector apply; other selectors and namespaces do not', () => {
    const y = [
      ap('mesh', 'istio-system', '  rules: [{}]'),
      ap('gw', 'istio-system', `${GW}  rules: [{}]`),
      ap('other', 'istio-system', '  selector: {matchLabels: {istio: egressgateway}}\n  rules: [{}]'),
      ap('app', 'default', '  rules: [{}]'),
      ap('app-sel', 'default', '  selector: {matchLabels: {istio: ingressgateway}}\n  rules: [{}]'),
    ].join('');
    expect(names(y)).toEqual(['ns[istio-system]-policy[mesh]-rule[0]', 'ns[istio-system]-policy[gw]-rule[0]', 'meshgate.filters.http.destination_authz']);
  });

  test('a custom root namespace', () => {
    const y = `${meshConfig('rootNamespace: mesh-root')}${ap('root', 'mesh-root', '  rules: [{}]')}${ap('gwns', 'istio-system', '  rules: [{}]')}`;
    expect(names(y)).toEqual(['ns[mesh-root]-policy[root]-rule[0]', 'ns[istio-system]-policy[gwns]-rule[0]', 'meshgate.filters.http.destination_authz']);
  });

  test('no policies ⇒ no authorization filters; only mesh-wide ones ⇒ no destination stage', () => {
    expect(names('')).toEqual([]);
    expect(names(ap('mesh', 'istio-system', '  rules: [{}]'))).toEqual(['ns[istio-system]-policy[mesh]-rule[0]']);
  });
});
