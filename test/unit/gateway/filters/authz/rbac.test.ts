import { describe, expect, test } from 'vitest';
import { compileHttpFilters, runFilters } from '../../../../../src/gateway/filters/chain.ts';
import { RBAC_TYPE } from '../../../../../src/xds/filters/rbac.ts';
import { ap, chainFor, ctxOf, decide, DENIED, type Req } from './helpers.ts';

// AuthorizationPolicy YAML → translated → compiled by the data plane → decisions on requests.

const GW = '  selector: {matchLabels: {istio: ingressgateway}}\n';
/** One ALLOW policy with one rule (YAML flow/block text indented for `rules:`). */
const allow = (rule: string) => ap('p', 'istio-system', `${GW}  rules:\n${rule}`);

async function check(yaml: string, cases: [Req, 'allow' | typeof DENIED][]) {
  const chain = chainFor(yaml);
  for (const [req, want] of cases) expect(await decide(chain, req), JSON.stringify(req)).toBe(want);
}

const peer = (principal: string) => ({ principal });
const jwt = (authn: Record<string, unknown>) => ({ metadata: { istio_authn: authn } });
/** What jwt_authn writes for a verified token with these claims. */
const token = (iss: string, sub: string) => jwt({ ...(sub ? { 'request.auth.principal': `${iss}/${sub}` } : {}), 'request.auth.claims': { iss, sub } });

describe('evaluation order and defaults', () => {
  test('no policy ⇒ allow; `spec: {}` ⇒ deny all; `rules: [{}]` ⇒ allow all', async () => {
    expect(chainFor('')).toEqual([]);
    await check(ap('none', 'istio-system', '  {}'), [[{}, DENIED], [{ path: '/x', method: 'POST' }, DENIED]]);
    await check(ap('all', 'istio-system', '  rules: [{}]'), [[{}, 'allow'], [{ path: '/x', method: 'POST' }, 'allow']]);
  });

  test('ALLOW policies present and none matches ⇒ 403 with Envoy body; DENY wins over ALLOW; AUDIT never decides', async () => {
    const yaml =
      ap('allow-public', 'istio-system', '  rules: [{to: [{operation: {paths: ["/public*"]}}]}]') +
      ap('deny-secret', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {paths: [/public/secret]}}]}]') +
      ap('audit-all', 'istio-system', '  action: AUDIT\n  rules: [{}]');
    await check(yaml, [
      [{ path: '/public/a' }, 'allow'],
      [{ path: '/public/secret' }, DENIED],
      [{ path: '/private' }, DENIED],
    ]);
    const denied = await runFilters(chainFor(yaml), ctxOf({ path: '/private' }));
    expect(denied?.status).toBe(403);
    expect(denied?.headers.get('content-type')).toBe('text/plain');
    expect(await denied?.text()).toBe('RBAC: access denied');
  });

  test('AUDIT alone changes nothing and marks matching requests for the access log', async () => {
    const chain = chainFor(ap('audit', 'istio-system', '  action: AUDIT\n  rules: [{to: [{operation: {paths: [/a]}}]}]'));
    const ctx = ctxOf({ path: '/a' });
    expect(await decide(chain, ctx)).toBe('allow');
    expect(ctx.metadata['envoy.common']).toEqual({ access_log_hint: true });
    expect(await decide(chain, { path: '/b' })).toBe('allow');
  });

  test('several ALLOW policies are OR-ed; several DENY policies too', async () => {
    await check(
      ap('a', 'istio-system', '  rules: [{to: [{operation: {paths: [/a]}}]}]') + ap('b', 'istio-system', '  rules: [{to: [{operation: {paths: [/b]}}]}]') +
      ap('d1', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {methods: [DELETE]}}]}]') + ap('d2', 'istio-system', '  action: DENY\n  rules: [{to: [{operation: {methods: [PUT]}}]}]'),
      [[{ path: '/a' }, 'allow'], [{ path: '/b' }, 'allow'], [{ path: '/c' }, DENIED], [{ path: '/a', method: 'DELETE' }, DENIED], [{ path: '/b', method: 'PUT' }, DENIED]],
    );
  });
});

describe('istio.io/dry-run', () => {
  const dry = (yaml: string, value = 'true') => yaml.replace(/metadata: \{name: (\S+), namespace: (\S+)\}/, `metadata: {name: $1, namespace: $2, annotations: {istio.io/dry-run: "${value}"}}`);
  test('a dry-run DENY or ALLOW is evaluated into shadow rules and never enforced (Istio builder shadow_rules)', async () => {
    const denyAll = ap('deny', 'istio-system', `${GW}  action: DENY\n  rules: [{}]`);
    expect(await decide(chainFor(denyAll), {})).toBe(DENIED);
    const ctx = ctxOf({});
    expect(await decide(chainFor(dry(denyAll)), ctx)).toBe('allow');
    expect(ctx.metadata['envoy.filters.http.rbac']).toMatchObject({ istio_dry_run_deny_shadow_engine_result: 'denied', istio_dry_run_deny_shadow_effective_policy_id: 'ns[istio-system]-policy[deny]-rule[0]' });
    // A dry-run ALLOW turns on no implicit deny; next to an enforced ALLOW it does not widen it.
    const allowNothing = ap('allow', 'istio-system', `${GW}  rules: [{to: [{operation: {paths: [/open]}}]}]`);
    expect(await decide(chainFor(dry(allowNothing)), { path: '/other' })).toBe('allow');
    expect(await decide(chainFor(dry(allowNothing, 'false')), { path: '/other' })).toBe(DENIED);
    const both = ap('enforced', 'istio-system', `${GW}  rules: [{to: [{operation: {paths: [/a]}}]}]`) + dry(allowNothing);
    expect([await decide(chainFor(both), { path: '/a' }), await decide(chainFor(both), { path: '/open' })]).toEqual(['allow', DENIED]);
  });
});

describe('rule structure: from OR, to OR, when AND; fields AND, values OR', () => {
  test('from × to × when', async () => {
    await check(allow(`  - from: [{source: {namespaces: [a]}}, {source: {ipBlocks: [10.0.0.0/8]}}]
    to: [{operation: {methods: [GET], paths: [/x]}}, {operation: {methods: [POST]}}]
    when:
    - {key: "request.headers[x-a]", values: ["1", "2"]}
    - {key: "request.headers[x-b]", notValues: [bad]}`), [
      [{ clientIp: '10.1.2.3', path: '/x', headers: { 'x-a': '1' } }, 'allow'],
      [{ peer: peer('cluster.local/ns/a/sa/s'), clientIp: '1.1.1.1', method: 'POST', path: '/y', headers: { 'x-a': '2' } }, 'allow'],
      [{ clientIp: '1.1.1.1', path: '/x', headers: { 'x-a': '1' } }, DENIED],
      [{ clientIp: '10.1.2.3', path: '/y', headers: { 'x-a': '1' } }, DENIED],
      [{ clientIp: '10.1.2.3', path: '/x', headers: { 'x-a': '3' } }, DENIED],
      [{ clientIp: '10.1.2.3', path: '/x', headers: { 'x-a': '1', 'x-b': 'bad' } }, DENIED],
      [{ clientIp: '10.1.2.3', path: '/x' }, DENIED],
    ]);
  });

  test('X and notX both set must both hold', async () => {
    await check(allow('  - to: [{operation: {paths: ["/api/*"], notPaths: [/api/internal]}}]'), [
      [{ path: '/api/x' }, 'allow'], [{ path: '/api/internal' }, DENIED], [{ path: '/other' }, DENIED],
    ]);
  });
});

describe('operation fields', () => {
  test('paths: exact, prefix, suffix, presence; query never counts', async () => {
    await check(allow('  - to: [{operation: {paths: [/exact, "/pre*", "*.js"]}}]'), [
      [{ path: '/exact' }, 'allow'], [{ path: '/exact', query: 'a=b' }, 'allow'], [{ path: '/exact/' }, DENIED], [{ path: '/EXACT' }, DENIED],
      [{ path: '/prefix/x' }, 'allow'], [{ path: '/lib/app.js' }, 'allow'], [{ path: '/lib/app.jsx' }, DENIED],
    ]);
    // Istio: a leading `*` wins (`*/v1*` is the suffix `/v1*`); any other `*` is literal.
    await check(allow('  - to: [{operation: {paths: ["*/v1*", "/api/*/admin"]}}]'), [
      [{ path: '/x/v1*' }, 'allow'], [{ path: '/x/v1/y' }, DENIED], [{ path: '/api/*/admin' }, 'allow'], [{ path: '/api/a/admin' }, DENIED],
    ]);
  });

  test('path templates as reference §4.2', async () => {
    await check(allow('  - to: [{operation: {paths: ["/allow/admin/{**}", "/store/{**}/cart", "/foo/{*}/bar/{**}", "/one/{*}"]}}]'), [
      [{ path: '/allow/admin/' }, 'allow'], [{ path: '/allow/admin/x/y.txt' }, 'allow'], [{ path: '/allow/admin' }, DENIED],
      [{ path: '/store//cart' }, 'allow'], [{ path: '/store/a/b/cart' }, 'allow'], [{ path: '/store/cart' }, DENIED],
      [{ path: '/foo/x/bar/y/z' }, 'allow'], [{ path: '/foo//bar/x' }, DENIED],
      [{ path: '/one/a' }, 'allow'], [{ path: '/one/a/b' }, DENIED], [{ path: '/one/' }, DENIED],
      // Envoy's template characters: unreserved, %, sub-delims except *, : @ and =.
      [{ path: "/one/a-._~%20!$&'()+,;:@=" }, 'allow'], [{ path: '/one/a=b' }, 'allow'], [{ path: '/one/a*b' }, DENIED], [{ path: '/one/a|b' }, DENIED],
      [{ path: '/allow/admin/k=v/x' }, 'allow'], [{ path: '/allow/admin/a[1]' }, DENIED], [{ path: '/allow/admin/a"b' }, DENIED],
    ]);
  });

  test('hosts: case-insensitive, exact on the whole authority including the port (istio/istio#44080)', async () => {
    await check(allow('  - to: [{operation: {hosts: [example.com, "*.example.org", "api.example.net:*"]}}]'), [
      [{ authority: 'example.com' }, 'allow'], [{ authority: 'EXAMPLE.com' }, 'allow'], [{ authority: 'example.com:443' }, DENIED],
      [{ authority: 'a.example.org' }, 'allow'], [{ authority: 'example.org' }, DENIED],
      [{ authority: 'api.example.net:8443' }, 'allow'], [{ authority: 'api.example.net' }, DENIED],
    ]);
    await check(allow('  - to: [{operation: {notHosts: [example.com]}}]'), [[{ authority: 'Example.COM' }, DENIED], [{ authority: 'other.com' }, 'allow']]);
  });

  test('ports are the edge port; methods; notMethods', async () => {
    await check(allow('  - to: [{operation: {ports: ["443"], methods: [GET, HEAD]}}]'), [
      [{ port: 443 }, 'allow'], [{ port: 443, method: 'HEAD' }, 'allow'], [{ port: 80 }, DENIED], [{ port: 443, method: 'POST' }, DENIED],
    ]);
    await check(allow('  - to: [{operation: {notMethods: [DELETE], notPorts: ["8080"]}}]'), [
      [{}, 'allow'], [{ method: 'DELETE' }, DENIED], [{ port: 8080 }, DENIED],
    ]);
  });
});

describe('source fields', () => {
  test('principals against the verified peer, with or without the spiffe:// prefix; no peer never matches', async () => {
    await check(allow('  - from: [{source: {principals: [cluster.local/ns/a/sa/x, "cluster.local/ns/b/*", "*/sa/admin"]}}]'), [
      [{ peer: peer('cluster.local/ns/a/sa/x') }, 'allow'],
      [{ peer: peer('spiffe://cluster.local/ns/a/sa/x') }, 'allow'],
      [{ peer: peer('cluster.local/ns/b/sa/any') }, 'allow'],
      [{ peer: peer('td2/ns/z/sa/admin') }, 'allow'],
      [{ peer: peer('cluster.local/ns/a/sa/y') }, DENIED],
      [{}, DENIED],
    ]);
    await check(allow('  - from: [{source: {principals: ["*"]}}]'), [[{ peer: peer('cluster.local/ns/a/sa/x') }, 'allow'], [{}, DENIED]]);
    await check(allow('  - from: [{source: {notPrincipals: [cluster.local/ns/a/sa/x]}}]'), [
      [{ peer: peer('cluster.local/ns/a/sa/x') }, DENIED], [{ peer: peer('cluster.local/ns/a/sa/y') }, 'allow'], [{}, 'allow'],
    ]);
  });

  test('namespaces, serviceAccounts, trustDomains from the SPIFFE id', async () => {
    await check(allow('  - from: [{source: {namespaces: [a, "team-*"], notNamespaces: [team-bad]}}]'), [
      [{ peer: peer('cluster.local/ns/a/sa/x') }, 'allow'], [{ peer: peer('cluster.local/ns/team-red/sa/x') }, 'allow'],
      [{ peer: peer('cluster.local/ns/team-bad/sa/x') }, DENIED], [{ peer: peer('cluster.local/ns/ab/sa/x') }, DENIED],
      [{ peer: peer('cluster.local/ns/b/sa/a') }, DENIED], [{}, DENIED],
    ]);
    // Every `*` is a wildcard in namespaces, as Istio's generator reads it (`*` → `.*`), within the segment.
    await check(allow('  - from: [{source: {namespaces: ["team-*-prod", "*x*"]}}]'), [
      [{ peer: peer('cluster.local/ns/team-a-prod/sa/s') }, 'allow'], [{ peer: peer('cluster.local/ns/boxes/sa/s') }, 'allow'],
      [{ peer: peer('cluster.local/ns/team-a-dev/sa/s') }, DENIED], [{ peer: peer('cluster.local/ns/team-a/sa/x-prod') }, DENIED],
    ]);
    await check(allow('  - from: [{source: {serviceAccounts: [a/x]}}]'), [
      [{ peer: peer('cluster.local/ns/a/sa/x') }, 'allow'], [{ peer: peer('other.td/ns/a/sa/x') }, 'allow'], [{ peer: peer('cluster.local/ns/a/sa/xy') }, DENIED],
    ]);
    // A bare name is in the policy's namespace (istio-system here); extra SPIFFE segments around ns and sa are allowed (Istio serviceAccountRegex).
    await check(allow('  - from: [{source: {serviceAccounts: [gw]}}]'), [
      [{ peer: peer('cluster.local/ns/istio-system/sa/gw') }, 'allow'], [{ peer: peer('cluster.local/ns/istio-system/k/v/sa/gw/x/y') }, 'allow'],
      [{ peer: peer('cluster.local/ns/a/sa/gw') }, DENIED], [{ peer: peer('cluster.local/ns/istio-system/sa/gw-2') }, DENIED],
    ]);
    await check(allow('  - from: [{source: {trustDomains: [cluster.local], notTrustDomains: [evil.local]}}]'), [
      [{ peer: peer('cluster.local/ns/a/sa/x') }, 'allow'], [{ peer: peer('evil.local/ns/a/sa/x') }, DENIED], [{ peer: peer('cluster.localx/ns/a/sa/x') }, DENIED],
    ]);
  });

  test('requestPrincipals: iss and sub matched apart, split at the last / (Istio extendedPrincipal); `*` needs both non-empty (istio/istio#22540)', async () => {
    await check(allow('  - from: [{source: {requestPrincipals: ["https://issuer.example/*"]}}]'), [
      [token('https://issuer.example', 'alice'), 'allow'],
      [token('https://other', 'alice'), DENIED],
      // An issuer whose URL merely starts with the configured one is another issuer.
      [token('https://issuer.example/tenant-b', 'alice'), DENIED],
      [{}, DENIED],
    ]);
    // A subject with a / is not matched by the exact principal it would form.
    await check(allow('  - from: [{source: {requestPrincipals: ["https://issuer.example/a/b"]}}]'), [[token('https://issuer.example', 'a/b'), DENIED], [token('https://issuer.example/a', 'b'), 'allow']]);
    await check(allow('  - from: [{source: {requestPrincipals: ["*/alice", "*.example/bob", "*carol"]}}]'), [
      [token('any', 'alice'), 'allow'], [token('https://x.example', 'bob'), 'allow'], [token('https://x.other', 'bob'), DENIED], [token('i', 'xcarol'), 'allow'],
    ]);
    await check(allow('  - from: [{source: {requestPrincipals: ["*"]}}]'), [
      [token('iss', 'sub'), 'allow'], [token('iss', ''), DENIED], [jwt({}), DENIED], [{}, DENIED],
    ]);
    await check(allow('  - from: [{source: {notRequestPrincipals: ["*"]}}]'), [[token('iss', 'sub'), DENIED], [{}, 'allow']]);
  });

  test('ipBlocks / remoteIpBlocks: IPv4 and IPv6 CIDRs and single addresses', async () => {
    await check(allow('  - from: [{source: {ipBlocks: [10.0.0.0/8, 192.0.2.1, "2001:db8::/32", "::1"], notIpBlocks: [10.9.0.0/16]}}]'), [
      [{ clientIp: '10.1.2.3' }, 'allow'], [{ clientIp: '10.9.1.1' }, DENIED], [{ clientIp: '11.0.0.1' }, DENIED],
      [{ clientIp: '192.0.2.1' }, 'allow'], [{ clientIp: '192.0.2.2' }, DENIED],
      [{ clientIp: '2001:db8:1::5' }, 'allow'], [{ clientIp: '2001:db9::1' }, DENIED], [{ clientIp: '::1' }, 'allow'], [{ clientIp: '0:0:0:0:0:0:0:1' }, 'allow'],
      [{ clientIp: '::ffff:10.1.2.3' }, 'allow'], [{ clientIp: null }, DENIED], [{ clientIp: 'garbage' }, DENIED],
    ]);
    await check(allow('  - from: [{source: {remoteIpBlocks: [203.0.113.0/24], notRemoteIpBlocks: [203.0.113.99]}}]'), [
      [{ clientIp: '203.0.113.7' }, 'allow'], [{ clientIp: '203.0.113.99' }, DENIED], [{ clientIp: '198.51.100.1' }, DENIED],
    ]);
  });
});

describe('when conditions', () => {
  const when = (key: string, values: string, not = false) => allow(`  - when: [{key: "${key}", ${not ? 'notValues' : 'values'}: ${values}}]`);

  test('request.headers, source.ip, remote.ip, destination.port, destination.ip (never at the edge), connection.sni (Host without port)', async () => {
    await check(when('request.headers[X-Env]', '[prod, "stag*"]'), [[{ headers: { 'x-env': 'prod' } }, 'allow'], [{ headers: { 'x-env': 'staging' } }, 'allow'], [{ headers: { 'x-env': 'dev' } }, DENIED], [{}, DENIED]]);
    // `*` is presence: an empty value counts (Istio matcher.HeaderMatcher emits present_match).
    await check(when('request.headers[x-env]', '["*"]'), [[{ headers: { 'x-env': 'a' } }, 'allow'], [{ headers: { 'x-env': '' } }, 'allow'], [{}, DENIED]]);
    await check(when('source.ip', '[10.0.0.0/8]'), [[{ clientIp: '10.0.0.1' }, 'allow'], [{ clientIp: '9.0.0.1' }, DENIED]]);
    await check(when('remote.ip', '["2001:db8::/48"]'), [[{ clientIp: '2001:db8::9' }, 'allow'], [{ clientIp: '2001:db8:1::9' }, DENIED]]);
    await check(when('destination.port', '["8443"]'), [[{ port: 8443 }, 'allow'], [{ port: 443 }, DENIED]]);
    await check(when('destination.ip', '[0.0.0.0/0]'), [[{}, DENIED]]);
    await check(when('destination.ip', '[0.0.0.0/0]', true), [[{}, 'allow']]);
    await check(when('connection.sni', '["*.example.com"]'), [[{ authority: 'api.example.com:8443', scheme: 'https' }, 'allow'], [{ authority: 'api.example.org' }, DENIED]]);
  });

  test('source.namespace / principal / serviceAccount / trustDomain', async () => {
    const p = { peer: peer('cluster.local/ns/ns1/sa/a') };
    await check(when('source.namespace', '[ns1]'), [[p, 'allow'], [{ peer: peer('cluster.local/ns/ns2/sa/a') }, DENIED], [{}, DENIED]]);
    await check(when('source.principal', '[cluster.local/ns/ns1/sa/a]'), [[p, 'allow'], [{}, DENIED]]);
    await check(when('source.serviceAccount', '[ns1/a]'), [[p, 'allow'], [{ peer: peer('cluster.local/ns/ns1/sa/b') }, DENIED]]);
    await check(when('source.trustDomain', '[cluster.local]'), [[p, 'allow'], [{ peer: peer('x.local/ns/ns1/sa/a') }, DENIED]]);
  });

  test('request.auth.principal / audiences / presenter', async () => {
    await check(when('request.auth.principal', '[iss/sub]'), [[token('iss', 'sub'), 'allow'], [token('iss', 'other'), DENIED]]);
    await check(when('request.auth.audiences', '[aud2]'), [
      [jwt({ 'request.auth.audiences': ['aud1', 'aud2'] }), 'allow'], [jwt({ 'request.auth.audiences': 'aud2' }), 'allow'], [jwt({ 'request.auth.audiences': ['aud1'] }), DENIED],
    ]);
    await check(when('request.auth.presenter', '[client-*]'), [[jwt({ 'request.auth.presenter': 'client-1' }), 'allow'], [jwt({}), DENIED]]);
  });

  test('request.auth.claims: nested, lists match any element, scope/permission split on spaces, only string values', async () => {
    const claims = (c: Record<string, unknown>) => jwt({ 'request.auth.claims': c });
    await check(when('request.auth.claims[groups]', '[admins]'), [
      [claims({ groups: ['users', 'admins'] }), 'allow'], [claims({ groups: 'admins' }), 'allow'], [claims({ groups: ['users'] }), DENIED], [claims({}), DENIED], [{}, DENIED],
    ]);
    await check(when('request.auth.claims[org][team][name]', '["plat*"]'), [
      [claims({ org: { team: { name: 'platform' } } }), 'allow'], [claims({ org: { team: { name: 'web' } } }), DENIED], [claims({ org: 'platform' }), DENIED],
    ]);
    await check(when('request.auth.claims[scope]', '[write]'), [[claims({ scope: 'read write' }), 'allow'], [claims({ scope: 'read' }), DENIED], [claims({ scope: 'readwrite' }), DENIED], [claims({ scope: 'read\twrite' }), DENIED], [claims({ scope: 'read\nwrite' }), DENIED]]); // spaces only (Envoy StrSplit ' ')
    // Only top-level claims are split (Envoy normalize_payload_in_metadata): a nested `scope` is one string.
    await check(when('request.auth.claims[realm][scope]', '[write]'), [[claims({ realm: { scope: 'write' } }), 'allow'], [claims({ realm: { scope: 'read write' } }), DENIED]]);
    await check(when('request.auth.claims[permission]', '[b]'), [[claims({ permission: 'a  b' }), 'allow']]);
    await check(when('request.auth.claims[other]', '[b]'), [[claims({ other: 'a b' }), DENIED]]);
    await check(when('request.auth.claims[level]', '["5"]'), [[claims({ level: 5 }), DENIED], [claims({ level: '5' }), 'allow']]);
    await check(when('request.auth.claims[groups]', '[admins]', true), [[claims({ groups: ['admins'] }), DENIED], [claims({ groups: ['x'] }), 'allow'], [{}, 'allow']]);
  });

  test('experimental.envoy.filters.* reads a filter\'s dynamic metadata', async () => {
    await check(when('experimental.envoy.filters.http.custom[verdict]', '[ok]'), [
      [{ metadata: { 'envoy.filters.http.custom': { verdict: 'ok' } } }, 'allow'], [{ metadata: { 'envoy.filters.http.custom': { verdict: 'no' } } }, DENIED], [{}, DENIED],
    ]);
    // A value written `[v]` matches a list holding v (Istio envoyFilterGenerator: list_match, exact).
    await check(when('experimental.envoy.filters.http.custom[roles]', '["[admin]"]'), [
      [{ metadata: { 'envoy.filters.http.custom': { roles: ['user', 'admin'] } } }, 'allow'], [{ metadata: { 'envoy.filters.http.custom': { roles: ['user', 'administrator'] } } }, DENIED],
    ]);
  });
});

describe('compile (once per snapshot): an unusable config is a compile error, so the snapshot is NACKed', () => {
  const bad = (typed_config: Record<string, unknown>) => () => compileHttpFilters([{ name: 'envoy.filters.http.rbac', typed_config: { '@type': RBAC_TYPE, ...typed_config } }]);
  test('bad CIDR, two fields in one permission, unknown field, bad template', () => {
    const pol = (permissions: unknown[], principals: unknown[] = [{ any: true }]) => ({ rules: { action: 'ALLOW', policies: { p: { permissions, principals } } } });
    expect(bad(pol([{ any: true }], [{ direct_remote_ip: { address_prefix: '10.0.0.300', prefix_len: 8 } }]))).toThrow(/invalid CIDR/);
    expect(bad(pol([{ any: true, destination_port: 80 }]))).toThrow(/exactly one field/);
    expect(bad(pol([{ sourced_ip: {} }]))).toThrow();
    expect(bad(pol([{ uri_template: { name: 'envoy.path.match.uri_template.uri_template_matcher', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.path.match.uri_template.v3.UriTemplateMatchConfig', path_template: '/a*b/{*}' } } }]))).toThrow(/template/);
    expect(bad({ rules: { action: 'MAYBE', policies: {} } })).toThrow();
  });
  test('an RBAC filter with neither rules nor shadow rules enforces nothing', () => {
    expect(bad({})()).toEqual([]);
  });
});
