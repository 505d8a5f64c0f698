import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { conditionKeyCheck, pathError, pathWarning, type AuthorizationPolicySpec, type Rule } from '../../../../src/config/kinds/security/authorization-policy.ts';

const doc = (spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a, namespace: foo}\nspec:\n${spec}`;
const issues = (yaml: string) => loadManifest(yaml).issues.map((i) => [i.severity, i.path, i.message]);
const errors = (yaml: string) => loadManifest(yaml).issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.message]);
const when = (key: string, values = '[a]', field = 'values') => doc(`  rules:\n  - when:\n    - key: ${JSON.stringify(key)}\n      ${field}: ${values}\n`);

describe('AuthorizationPolicy', () => {
  test('allow-nothing, allow-all and a full rule load; values kept as written', () => {
    expect(issues(doc('  {}\n'))).toEqual([]);
    expect(issues('apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: a}\nspec: {}\n')).toEqual([]);
    expect(issues(doc('  rules: [{}]\n'))).toEqual([]);
    const r = loadManifest(doc(`  action: ALLOW
  rules:
  - from:
    - source:
        principals: [cluster.local/ns/default/sa/sleep]
        notRequestPrincipals: ["*"]
        remoteIpBlocks: [10.0.0.0/8]
    to:
    - operation: {hosts: ["*.example.com"], notPorts: ["8443"], methods: [GET], notPaths: ["/admin/{**}"]}
    when:
    - {key: "request.auth.claims[groups]", values: [admins], notValues: [guests]}
`));
    expect(r.issues).toEqual([]);
    const rules: Rule[] = (r.resources[0]!.resource.spec as AuthorizationPolicySpec).rules!;
    expect(rules[0]!.to![0]!.operation!.notPorts).toEqual(['8443']);
    expect(rules[0]!.when![0]).toEqual({ key: 'request.auth.claims[groups]', values: ['admins'], notValues: ['guests'] });
  });

  test('action rules: CUSTOM, DENY, provider', () => {
    expect(errors(doc('  action: DENY\n'))).toEqual([['spec.action', 'DENY action without `rules` is meaningless as it will never be triggered, add an empty rule `{}` if you want it be triggered for every request']]);
    expect(errors(doc('  action: DENY\n  rules: []\n'))).toEqual([['spec.rules', expect.stringMatching(/^DENY action without `rules`/)]]);
    expect(errors(doc('  action: CUSTOM\n  provider: {name: x}\n'))).toEqual([['spec.action', expect.stringMatching(/^CUSTOM action without `rules` is meaningless/)]]);
    expect(errors(doc('  action: CUSTOM\n  rules: [{}]\n'))).toEqual([['spec.provider', '`provider.name` must not be empty']]);
    expect(errors(doc('  action: CUSTOM\n  provider: {}\n  rules: [{}]\n'))).toEqual([['spec.provider.name', '`provider.name` must not be empty']]);
    expect(errors(doc('  provider: {name: x}\n  rules: [{}]\n'))).toEqual([['spec.provider', '`provider` must not be with non CUSTOM action, found ALLOW']]);
    expect(errors(doc(`  action: CUSTOM
  provider: {name: x}
  rules:
  - from:
    - source: {namespaces: [a], notPrincipals: [b], serviceAccounts: [a/b], trustDomains: [td], ipBlocks: [1.2.3.4]}
    when:
    - {key: source.principal, values: [a]}
    - {key: request.auth.presenter, values: [a]}
    - {key: source.ip, values: [1.2.3.4]}
`))).toEqual([
      ['spec.rules[0].from[0].source.serviceAccounts', 'cannot set serviceAccounts with namespaces or principals'],
      ['spec.rules[0].from[0].source.notPrincipals', 'from.source.notPrincipals is currently not supported with CUSTOM action'],
      ['spec.rules[0].from[0].source.namespaces', 'from.source.namespaces is currently not supported with CUSTOM action'],
      ['spec.rules[0].from[0].source.serviceAccounts', 'from.source.serviceAccounts is currently not supported with CUSTOM action'],
      ['spec.rules[0].from[0].source.trustDomains', 'from.source.trustDomains is currently not supported with CUSTOM action'],
      ['spec.rules[0].when[0].key', 'source.principal is currently not supported with CUSTOM action'],
      ['spec.rules[0].when[1].key', 'request.auth.presenter is currently not supported with CUSTOM action'],
    ]);
    // serviceAccounts with namespaces is a separate error in the same source
    expect(errors(doc('  action: AUDIT\n  rules:\n  - from:\n    - source: {principals: [a], notServiceAccounts: [a/b]}\n'))).toEqual([['spec.rules[0].from[0].source.notServiceAccounts', 'cannot set serviceAccounts with namespaces or principals']]);
    expect(errors(doc('  action: BLOCK\n  rules: [{}]\n'))).toEqual([['spec.action', 'invalid value; expected one of "ALLOW", "DENY", "AUDIT", "CUSTOM"']]);
  });

  test('from/to/source/operation must not be empty or missing', () => {
    expect(errors(doc('  rules:\n  - from: []\n    to: []\n'))).toEqual([['spec.rules[0].from', '`from` must not be empty'], ['spec.rules[0].to', '`to` must not be empty']]);
    expect(errors(doc('  rules:\n  - from: [{}]\n    to: [{}]\n'))).toEqual([['spec.rules[0].from[0].source', '`from.source` must not be nil'], ['spec.rules[0].to[0].operation', '`to.operation` must not be nil']]);
    expect(errors(doc('  rules:\n  - from: [{source: {}}]\n    to: [{operation: {paths: []}}]\n'))).toEqual([['spec.rules[0].from[0].source', '`from.source` must not be empty'], ['spec.rules[0].to[0].operation', '`to.operation` must not be empty']]);
  });

  test('values: empty strings, IPs and CIDRs, ports, service accounts', () => {
    expect(errors(doc('  rules:\n  - from: [{source: {namespaces: [""], notTrustDomains: [""]}}]\n'))).toEqual([
      ['spec.rules[0].from[0].source.namespaces[0]', 'empty value not allowed, found in namespaces'],
      ['spec.rules[0].from[0].source.notTrustDomains[0]', 'empty value not allowed, found in notTrustDomains'],
    ]);
    expect(errors(doc('  rules:\n  - from: [{source: {ipBlocks: ["1.2.3", "::1", "10.0.0.0/8", "2001:db8::/129", "10.0.0.1/"]}}]\n'))).toEqual([
      ['spec.rules[0].from[0].source.ipBlocks[0]', 'bad IP address (1.2.3)'],
      ['spec.rules[0].from[0].source.ipBlocks[3]', 'bad CIDR range (2001:db8::/129)'],
      ['spec.rules[0].from[0].source.ipBlocks[4]', 'bad CIDR range (10.0.0.1/)'],
    ]);
    expect(errors(doc('  rules:\n  - to: [{operation: {ports: ["80", "65536", "-1", ""]}}]\n'))).toEqual([
      ['spec.rules[0].to[0].operation.ports[3]', 'empty value not allowed, found in ports'],
      ['spec.rules[0].to[0].operation.ports[1]', 'bad port (65536): must be a number in 0..65535'],
      ['spec.rules[0].to[0].operation.ports[2]', 'bad port (-1): must be a number in 0..65535'],
    ]);
    expect(errors(doc('  rules:\n  - to: [{operation: {ports: [80]}}]\n'))).toEqual([['spec.rules[0].to[0].operation.ports[0]', 'ports are strings: write "80" in quotes']]);
    expect(errors(doc('  rules:\n  - from: [{source: {serviceAccounts: ["*", "a/b/c", "/sa", "sa-only", "ns/sa"]}}]\n'))).toEqual([
      ['spec.rules[0].from[0].source.serviceAccounts[0]', 'wildcard is not allowed in service accounts, found "*"'],
      ['spec.rules[0].from[0].source.serviceAccounts[1]', 'service account "a/b/c" must be of the form <name> or <namespace>/<name>'],
      ['spec.rules[0].from[0].source.serviceAccounts[2]', 'service account "/sa" must be of the form <name> or <namespace>/<name>'],
    ]);
  });

  test('paths: rule string syntax and {*}/{**} templates', () => {
    for (const ok of ['/a', '*', '/a*', '*.js', '/a/{*}', '/a/{**}', '/{*}/b/{**}', '/store/{**}/cart', '/a/{*}/{*}', '/a/*/b', '*a*', "/{*}/a:b@c=d;e,f+g'h(i)!$&~%20"]) expect(pathError(ok), ok).toBeUndefined();
    // Istio accepts a `*` inside a plain path and matches it literally: a warning, not an error.
    expect([pathWarning('/a/*/b'), pathWarning('*a*'), pathWarning('/a*'), pathWarning('*.js'), pathWarning('*')].map((w) => w !== undefined)).toEqual([true, true, false, false, false]);
    for (const bad of ['/{*}/a b', '/{**}/a|b', '/a//{*}', '/a/{**}/{*}', '/a/{**}/b/{**}', '/a{*}', '/a/{*}.txt', '/a/{id}/{*}', '/a/{x=*}/{**}', '/a/{*}/*', 'a/{*}', '/a/{}/{*}']) expect(pathError(bad), bad).toBeDefined();
    expect(errors(doc('  rules:\n  - to: [{operation: {notPaths: ["/x/{**}/{*}"]}}]\n'))).toEqual([
      ['spec.rules[0].to[0].operation.notPaths[0]', 'invalid or unsupported path template "/x/{**}/{*}": "{**}" must be the last operator in a path template'],
    ]);
  });

  test('when: keys of §4.3, replacement hints, value checks', () => {
    for (const key of ['request.headers[x-token]', 'source.ip', 'remote.ip', 'source.namespace', 'source.principal', 'source.serviceAccount', 'source.trustDomain', 'request.auth.principal',
      'request.auth.audiences', 'request.auth.presenter', 'request.auth.claims[iss]', 'request.auth.claims[a][b]', 'destination.ip', 'destination.port', 'connection.sni',
      'experimental.envoy.filters.network.mysql_proxy[db.table]']) {
      expect(conditionKeyCheck(key).error, key).toBeUndefined();
    }
    expect(errors(when('source.ip', '["10.0.0.1"]'))).toEqual([]);
    // source.serviceAccount values are service accounts (Istio CheckServiceAccount): a `*` would be matched literally, so it is refused.
    expect(errors(when('source.serviceAccount', '["sa", "ns/sa", "*", "a/b/c"]'))).toEqual([
      ['spec.rules[0].when[0].values[2]', 'invalid `value` for `key` source.serviceAccount: wildcard is not allowed in service accounts, found "*"'],
      ['spec.rules[0].when[0].values[3]', 'invalid `value` for `key` source.serviceAccount: service account "a/b/c" must be of the form <name> or <namespace>/<name>'],
    ]);
    expect(errors(when('request.headers'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` request.headers: bad key (request.headers): should have format a[b]']]);
    expect(errors(when('request.auth.claims[]'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` request.auth.claims[]: bad key (request.auth.claims[]): should have format a[b]']]);
    expect(errors(when('experimental.envoy.filters.x'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` experimental.envoy.filters.x: bad key (experimental.envoy.filters.x): should have format a[b]']]);
    expect(errors(when('source.user'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` source.user: unknown attribute: source.user']]);
    expect(errors(when('destination.namespace'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` destination.namespace: attribute destination.namespace is replaced by the metadata.namespace']]);
    expect(errors(when('destination.labels[app]'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` destination.labels[app]: attribute destination.labels[app] is replaced by the workload selector']]);
    expect(errors(when('destination.name'))).toEqual([['spec.rules[0].when[0].key', 'invalid `key` destination.name: deprecated attribute destination.name: only supported in v1alpha1']]);
    expect(errors(when('destination.port', '["80", "x"]', 'notValues'))).toEqual([['spec.rules[0].when[0].notValues[1]', 'invalid `notValue` for `key` destination.port: bad port (x): must be a number in 0..65535']]);
    expect(errors(when('destination.ip', '["10.0.0.0/33"]'))).toEqual([['spec.rules[0].when[0].values[0]', 'invalid `value` for `key` destination.ip: bad CIDR range (10.0.0.0/33)']]);
    expect(errors(when('connection.sni', '[""]'))).toEqual([['spec.rules[0].when[0].values[0]', 'invalid `value` for `key` connection.sni: empty value not allowed, found in connection.sni']]);
    expect(errors(doc('  rules:\n  - when: [{key: source.ip}]\n'))).toEqual([['spec.rules[0].when[0]', 'at least one of `values` or `notValues` must be set for key source.ip']]);
    expect(errors(doc('  rules:\n  - when: [{values: [a]}]\n'))).toEqual([['spec.rules[0].when[0].key', 'required field is missing (expected string)']]);
  });

  test('warnings: HTTP-only DENY rules, empty selector; a port-scoped DENY does not warn', () => {
    const r = loadManifest(doc('  selector: {}\n  action: DENY\n  rules:\n  - to: [{operation: {paths: [/admin]}}]\n  - from: [{source: {requestPrincipals: ["*"]}}]\n  - to: [{operation: {ports: ["80"], paths: [/admin]}}]\n  - from: [{source: {notNamespaces: [foo]}}]\n'));
    expect(r.resources).toHaveLength(1);
    expect(r.issues.map((i) => [i.severity, i.path])).toEqual([['warning', 'spec.selector'], ['warning', 'spec.rules[0]'], ['warning', 'spec.rules[1]']]);
  });

  test('a targetRef meshgate cannot enforce at (a Gateway API Gateway) is accepted with a warning; Service and ServiceEntry are not', () => {
    const refs = (list: string) => issues(doc(`  targetRefs: ${list}\n  rules: [{}]\n`));
    expect(refs('[{kind: ServiceEntry, group: networking.istio.io, name: api}, {kind: Service, group: "", name: web}]')).toEqual([]);
    expect(refs('[{kind: Service, group: "", name: web}, {kind: Gateway, group: gateway.networking.k8s.io, name: gw}]')).toEqual([
      ['warning', 'spec.targetRefs[1].kind', "a targetRef to a Gateway selects nothing at meshgate's gateways, so this policy is not enforced: select an Istio Gateway's workloads with `selector`, or target a Service or ServiceEntry"],
    ]);
  });
});
