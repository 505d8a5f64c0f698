import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { RETRY_ON_POLICIES, type VirtualServiceSpec } from '../../../../src/config/kinds/networking/virtual-service.ts';

// VirtualService schema and rules (Istio pkg/config/validation: ValidateVirtualService and friends).

const doc = (spec: unknown, meta: Record<string, unknown> = { name: 'vs', namespace: 'default' }) =>
  JSON.stringify({ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: meta, spec });

const load = (spec: unknown, meta?: Record<string, unknown>) => loadManifest(doc(spec, meta));
const errors = (spec: unknown, meta?: Record<string, unknown>) => load(spec, meta).issues.filter((i) => i.severity === 'error').map((i) => [i.path, i.message]);
const warnings = (spec: unknown) => load(spec).issues.filter((i) => i.severity === 'warning').map((i) => [i.path, i.message]);

const dest = (host = 'reviews', extra: Record<string, unknown> = {}) => ({ destination: { host, ...extra } });
const route = (extra: Record<string, unknown> = {}) => ({ route: [dest()], ...extra });
const vs = (http: unknown[], extra: Record<string, unknown> = {}) => ({ hosts: ['reviews'], http, ...extra });

/** Expects exactly one error at `path` containing `message`. */
function rejects(spec: unknown, path: string, message: string) {
  const errs = errors(spec);
  expect(errs, JSON.stringify(errs)).toContainEqual([path, expect.stringContaining(message)]);
}

describe('VirtualService accepted', () => {
  test('a full-featured HTTP route loads clean and keeps values as written', () => {
    const spec = vs([
      {
        name: 'main',
        match: [{ name: 'm', uri: { prefix: '/api' }, method: { exact: 'GET' }, headers: { 'end-user': { exact: 'jason' }, present: {} }, queryParams: { q: { exact: '' } }, withoutHeaders: { 'x-skip': { regex: '*' } }, ignoreUriCase: true, port: 8080, sourceLabels: { app: 'web' }, sourceNamespace: 'web', gateways: ['mesh'], statPrefix: 'api' }],
        route: [{ ...dest('reviews', { subset: 'v1', port: { number: 9080 } }), weight: 75, headers: { request: { set: { 'x-a': '%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%' } } } }, { ...dest('reviews', { subset: 'v2' }), weight: 25 }],
        rewrite: { uri: '/v2/api' },
        timeout: '1.5s',
        retries: { attempts: 3, perTryTimeout: '500ms', retryOn: '5xx,reset,503,retriable-status-codes', retryRemoteLocalities: true, retryIgnorePreviousHosts: false, backoff: '25ms' },
        mirror: { host: 'shadow' },
        mirrorPercentage: { value: 12.5 },
        corsPolicy: { allowOrigins: [{ exact: 'https://a.example' }, { regex: 'https://.*\\.example' }], allowOrigin: ['https://old.example'], allowMethods: ['GET', 'POST', '*'], allowHeaders: ['content-type', '*'], exposeHeaders: ['x-id'], maxAge: '24h', allowCredentials: true, unmatchedPreflights: 'IGNORE' },
        headers: { request: { set: { ':authority': 'internal.example' }, add: { 'x-b': '100%%' }, remove: ['x-c'] }, response: { set: { 'x-d': 'd' }, remove: ['server'] } },
      },
      { fault: { delay: { fixedDelay: '5s', percentage: { value: 0.0001 } }, abort: { grpcStatus: 'UNAVAILABLE', percentage: { value: 100 } } }, mirrors: [{ destination: { host: 'm1' }, percentage: { value: 50 } }, { destination: { host: 'm2' } }], route: [dest()] },
    ], { exportTo: ['.'] });
    const r = load(spec);
    expect(r.issues).toEqual([]);
    const stored = r.resources[0]!.resource.spec as VirtualServiceSpec;
    expect(stored.http?.[0]?.timeout).toBe('1.5s');
    expect(stored.http?.[0]?.route?.[0]?.weight).toBe(75);
  });

  test('redirect, directResponse, delegate, TLS and TCP routes', () => {
    expect(load(vs([{ match: [{ uri: { prefix: '/old' } }], redirect: { prefixRewrite: '/new', derivePort: 'FROM_REQUEST_PORT', redirectCode: 308 } }, { directResponse: { status: 503, body: { bytes: 'dW5hdmFpbGFibGU=' } } }])).issues).toEqual([]);
    expect(load({ hosts: ['bookinfo.example.com'], gateways: ['istio-system/gw'], http: [{ match: [{ uri: { prefix: '/reviews' } }], delegate: { name: 'reviews', namespace: 'ns' } }] }).issues).toEqual([]);
    expect(load({ http: [{ match: [{ uri: { prefix: '/reviews/v2' } }], route: [dest('reviews', { subset: 'v2' })] }] }).issues).toEqual([]);
    // Accepted as Istio accepts them, with an info: meshgate's gateways serve HTTP only.
    const l4 = (path: string) => [expect.objectContaining({ severity: 'info', path, message: expect.stringContaining('not served by meshgate') })];
    expect(load({ hosts: ['*.example.com'], gateways: ['gw'], tls: [{ match: [{ port: 443, sniHosts: ['a.example.com'] }], route: [dest('a.example.com')] }] }).issues).toEqual(l4('spec.tls'));
    expect(load({ hosts: ['mongo.prod.svc.cluster.local'], tcp: [{ match: [{ port: 27017, destinationSubnets: ['10.0.0.0/8', '192.168.1.1'] }], route: [{ ...dest('mongo.backup.svc.cluster.local', { port: { number: 5555 } }), weight: 100 }] }] }).issues).toEqual(l4('spec.tcp'));
  });

  test('gateway-bound VS may use JWT claim headers and IP hosts', () => {
    expect(load({ hosts: ['10.0.0.1', 'a.example.com'], gateways: ['istio-system/ingressgateway'], http: [{ match: [{ headers: { '@request.auth.claims.groups': { exact: 'admin' }, '@request.auth.claims[sub]': { prefix: 'u' } } }], route: [dest()] }] }).issues).toEqual([]);
  });

  test('RETRY_ON_POLICIES lists Envoy HTTP and gRPC policies', () => {
    expect(RETRY_ON_POLICIES).toContain('connect-failure');
    expect(RETRY_ON_POLICIES).toContain('resource-exhausted');
  });
});

describe('VirtualService top-level rules', () => {
  test('http, tcp or tls required', () => rejects({ hosts: ['a'] }, 'spec', 'http, tcp or tls must be provided in virtual service'));
  test('delegate VS: no gateways, tls, tcp, nested delegate', () => {
    rejects({ gateways: ['gw'], http: [route()] }, 'spec.gateways', 'delegate virtual service must have no gateways specified');
    rejects({ http: [route()], tcp: [{ route: [dest()] }] }, 'spec.tcp', 'delegate virtual service must have no tcp route specified');
    rejects({ http: [route()], tls: [{ match: [{ sniHosts: ['a.b'] }], route: [dest()] }] }, 'spec.tls', 'delegate virtual service must have no tls route specified');
    rejects({ http: [{ delegate: { name: 'x' } }] }, 'spec.http[0].delegate', 'delegate HTTP route cannot contain delegate');
  });
  test('hosts: invalid names, * with mesh, duplicates', () => {
    rejects(vs([route()], { hosts: ['bad_host.com'] }), 'spec.hosts[0]', 'domain name "bad_host.com" invalid');
    rejects(vs([route()], { hosts: ['*'] }), 'spec.hosts[0]', 'wildcard host * is not allowed for virtual services bound to the mesh gateway');
    rejects(vs([route()], { hosts: ['*'], gateways: ['gw', 'mesh'] }), 'spec.hosts[0]', 'wildcard host *');
    expect(errors(vs([route()], { hosts: ['*'], gateways: ['gw'] }))).toEqual([]);
    rejects(vs([route()], { hosts: ['*.foo.com', 'a.foo.com'] }), 'spec.hosts[1]', 'duplicate hosts in virtual service: *.foo.com & a.foo.com');
    rejects(vs([route()], { hosts: ['a', 'a'] }), 'spec.hosts[1]', 'duplicate hosts');
    expect(errors(vs([route()], { hosts: ['*.foo.com', 'foo.com'] }))).toEqual([]);
  });
  test('gateway names', () => {
    rejects(vs([route()], { gateways: ['ns/'] }), 'spec.gateways[0]', 'config namespace and gateway name cannot be empty');
    rejects(vs([route()], { gateways: ['Bad_NS/gw'] }), 'spec.gateways[0]', 'invalid value for namespace: "Bad_NS"');
    rejects(vs([route()], { gateways: ['ns/gw.x'] }), 'spec.gateways[0]', 'invalid value for gateway name: "gw.x"');
    rejects(vs([{ match: [{ gateways: ['a/b_c'] }], ...route() }]), 'spec.http[0].match[0].gateways[0]', 'invalid value for gateway name');
    expect(warnings(vs([route()], { gateways: ['gw.istio-system.svc.cluster.local'] }))).toEqual([['spec.gateways[0]', 'using legacy gatewayName format "gw.istio-system.svc.cluster.local"; prefer the <namespace>/<name> format: "istio-system/gw"']]);
  });
  test('JWT claim routing only for gateway-bound VS', () => {
    rejects(vs([{ match: [{ headers: { '@request.auth.claims.group': { exact: 'a' } } }], ...route() }]), 'spec.http[0].match[0].headers["@request.auth.claims.group"]', 'JWT claim based routing (key: @request.auth.claims.group) is only supported for gateway, found no gateways: []');
    rejects(vs([{ match: [{ withoutHeaders: { '@request.auth.claims[a]': { exact: 'a' } } }], ...route() }], { gateways: ['mesh', 'gw'] }), 'spec.http[0].match[0].withoutHeaders["@request.auth.claims[a]"]', 'found no gateways: [mesh gw]');
  });
  test('exportTo', () => {
    rejects(vs([route()], { exportTo: ['~'] }), 'spec.exportTo[0]', 'exportTo "~" is only allowed for ServiceEntry');
    expect(errors(vs([route()], { exportTo: ['.', 'default'] }))).toContainEqual(['spec.exportTo[1]', 'duplicate entries in exportTo: . and current namespace default']);
  });
});

describe('HTTPRoute rules', () => {
  test('exactly one action, with Istio conflict messages', () => {
    rejects(vs([{ name: 'r' }]), 'spec.http[0]', 'HTTP route, redirect or direct_response is required');
    rejects(vs([route({ redirect: { uri: '/x' } })]), 'spec.http[0].redirect', 'HTTP route cannot contain both route and redirect');
    rejects(vs([{ redirect: { uri: '/x' }, fault: { abort: { httpStatus: 500 } } }]), 'spec.http[0].fault', 'HTTP route cannot contain both fault and redirect');
    rejects(vs([{ redirect: { uri: '/x' }, rewrite: { uri: '/y' } }]), 'spec.http[0].rewrite', 'HTTP route rule cannot contain both rewrite and redirect');
    rejects(vs([{ redirect: { uri: '/x' }, directResponse: { status: 200 } }]), 'spec.http[0].directResponse', 'HTTP route rule cannot contain both direct_response and redirect');
    rejects(vs([route({ directResponse: { status: 200 } })]), 'spec.http[0].directResponse', 'HTTP route cannot contain both route and direct_response');
    rejects(vs([{ directResponse: { status: 200 }, fault: { delay: { fixedDelay: '1s' } } }]), 'spec.http[0].fault', 'HTTP route cannot contain both fault and direct_response');
    rejects(vs([{ directResponse: { status: 200 }, rewrite: { uri: '/' } }]), 'spec.http[0].rewrite', 'HTTP route rule cannot contain both rewrite and direct_response');
    rejects(vs([route({ name: 'root', delegate: { name: 'd' } })]), 'spec.http[0].route', 'root HTTP route root must not specify route');
    rejects(vs([{ delegate: { name: 'd' }, redirect: { uri: '/' } }]), 'spec.http[0].redirect', 'must not specify redirect');
    rejects(vs([route({ mirror: { host: 'a' }, mirrors: [{ destination: { host: 'b' } }] })]), 'spec.http[0].mirrors', 'HTTP route cannot contain both mirror and mirrors');
  });
  test('timeout must be ≥1ms with ms precision', () => {
    rejects(vs([route({ timeout: '0s' })]), 'spec.http[0].timeout', 'duration must be greater than 1ms');
    rejects(vs([route({ timeout: '1.5ms' })]), 'spec.http[0].timeout', 'only durations to ms precision are supported');
  });
  test('unknown fields suggest the Istio name', () => {
    rejects(vs([route({ mirror_percentage: { value: 1 } })]), 'spec.http[0].mirror_percentage', 'unknown field "mirror_percentage" (did you mean "mirrorPercentage"?)');
  });
});

describe('match rules', () => {
  const m = (match: Record<string, unknown>) => vs([route({ match: [match] })]);
  test('string matches', () => {
    rejects(m({ method: { prefix: '' } }), 'spec.http[0].match[0].method.prefix', 'prefix string match should not be empty');
    rejects(m({ headers: { a: { prefix: '' } } }), 'spec.http[0].match[0].headers.a.prefix', 'prefix string match should not be empty');
    rejects(m({ uri: { regex: '' } }), 'spec.http[0].match[0].uri.regex', 'regex string match should not be empty');
    rejects(m({ uri: { regex: '(' } }), 'spec.http[0].match[0].uri.regex', 'Istio uses RE2 style regex-based match');
    rejects(m({ headers: { a: { regex: '*' } } }), 'spec.http[0].match[0].headers.a.regex', 'Istio uses RE2');
    rejects(m({ withoutHeaders: { a: { regex: '(?<n>x)+(' } } }), 'spec.http[0].match[0].withoutHeaders.a.regex', 'Istio uses RE2');
    expect(errors(m({ uri: { prefix: '' } }))).toEqual([]);
  });
  test('header names, port, sourceNamespace, sourceLabels', () => {
    rejects(m({ headers: { 'bad header': { exact: 'a' } } }), 'spec.http[0].match[0].headers["bad header"]', 'header name bad header is not a valid header name');
    rejects(m({ headers: { '': { exact: 'a' } } }), 'spec.http[0].match[0].headers[""]', 'header name cannot be empty');
    expect(errors(m({ headers: { ':method': { exact: 'GET' } } }))).toEqual([]);
    rejects(m({ port: 70000 }), 'spec.http[0].match[0].port', 'port number 70000 must be in the range 1..65535');
    rejects(m({ sourceNamespace: 'Bad_NS' }), 'spec.http[0].match[0].sourceNamespace', 'sourceNamespace match Bad_NS is invalid');
    rejects(m({ sourceLabels: { 'a b': 'x' } }), 'spec.http[0].match[0].sourceLabels["a b"]', 'invalid label key');
  });
});

describe('header operations', () => {
  const h = (headers: unknown) => vs([route({ headers })]);
  test('request and response names and values', () => {
    rejects(h({ request: { set: { ':path': '/x' } } }), 'spec.http[0].headers.request.set.:path', 'invalid header ":path": header cannot have ":" prefix');
    rejects(h({ request: { remove: ['Host'] } }), 'spec.http[0].headers.request.remove[0]', 'invalid header "Host": cannot set Host header');
    rejects(h({ response: { set: { host: 'x' } } }), 'spec.http[0].headers.response.set.host', 'cannot set Host header');
    rejects(h({ response: { add: { ':status': '200' } } }), 'spec.http[0].headers.response.add.:status', 'header cannot have ":" prefix');
    rejects(h({ request: { add: { '': 'x' } } }), 'spec.http[0].headers.request.add[""]', 'header name cannot be empty');
    rejects(h({ request: { set: { a: 'abc%123' } } }), 'spec.http[0].headers.request.set.a', 'header value configuration: invalid header configuration. Un-terminated variable expression');
    rejects(h({ request: { set: { a: 'x\u0001' } } }), 'spec.http[0].headers.request.set.a', 'is invalid');
    rejects(h({ response: { set: { a: '100%' } } }), 'spec.http[0].headers.response.set.a', 'Un-escaped %');
    // Syntax Istio's validator lets through but Envoy (and the gateway) cannot compile.
    rejects(h({ request: { set: { a: '%foo bar%' } } }), 'spec.http[0].headers.request.set.a', '%foo bar% is not a formatter command');
    rejects(h({ request: { set: { a: '%REQ(:status)%' } } }), 'spec.http[0].headers.request.set.a', ':status is not a request pseudo-header');
    expect(errors(h({ request: { set: { a: '%REQ(:path)% %REQ(:authority)%' } }, response: { set: { b: '%RESP(:status)%' } } }))).toEqual([]);
    expect(errors(h({ request: { set: { a: '%REQ(x-y)%', b: '%DOWNSTREAM_PEER_URI_SAN%' } } }))).toEqual([]);
  });
  test('formatter commands the gateway does not evaluate are accepted with a warning naming the header', () => {
    expect(warnings(h({ request: { set: { a: '%REQ(x-y)% 100%% %START_TIME%', b: 'peer=%DOWNSTREAM_PEER_URI_SAN%', c: '%START_TIME(%s)%' } } }))).toEqual([
      ['spec.http[0].headers.request.set.b', expect.stringContaining('%DOWNSTREAM_PEER_URI_SAN% is not evaluated by meshgate, so this header is not added')],
      ['spec.http[0].headers.request.set.c', expect.stringContaining('%START_TIME(%s)% is not evaluated')],
    ]);
    expect(warnings(vs([{ route: [{ ...dest(), headers: { response: { add: { h: '%HOSTNAME%' } } } }] }]))).toEqual([
      ['spec.http[0].route[0].headers.response.add.h', expect.stringContaining('%HOSTNAME% is not evaluated')],
    ]);
  });
  test('authority may be set in one place only', () => {
    rejects(vs([route({ rewrite: { authority: 'a' }, headers: { request: { set: { Host: 'b' } } } })]), 'spec.http[0].headers.request.set.Host', 'authority header cannot be set multiple times: have "a", attempting to set "b"');
    rejects(vs([route({ headers: { request: { set: { ':authority': 'a' }, add: { host: 'b' } } } })]), 'spec.http[0].headers.request.add.host', 'authority header cannot be set multiple times');
    expect(errors(vs([{ route: [{ ...dest(), headers: { request: { set: { host: 'b' } } } }], rewrite: { authority: 'a' } }]))).toEqual([]);
  });
  test('destination headers are validated too', () => {
    rejects(vs([{ route: [{ ...dest(), headers: { response: { remove: [':status'] } } }] }]), 'spec.http[0].route[0].headers.response.remove[0]', 'header cannot have ":" prefix');
    // A destination may set Host but not :authority (Istio ValidateHTTPHeaderWithHostOperationName).
    rejects(vs([{ route: [{ ...dest(), headers: { request: { set: { ':authority': 'x.com' } } } }] }]), 'spec.http[0].route[0].headers.request.set.:authority', 'header cannot have ":" prefix');
    expect(errors(vs([{ route: [{ ...dest(), headers: { request: { set: { Host: 'x.com' } } } }] }]))).toEqual([]);
  });
});

describe('destinations', () => {
  test('host, subset, port, weight', () => {
    rejects(vs([{ route: [dest('*')] }]), 'spec.http[0].route[0].destination.host', 'invalid destination host *');
    rejects(vs([{ route: [dest('a..b')] }]), 'spec.http[0].route[0].destination.host', 'domain name "a..b" invalid');
    rejects(vs([{ route: [dest('a', { subset: 'V_1' })] }]), 'spec.http[0].route[0].destination.subset', 'subset name is invalid: V_1');
    rejects(vs([{ route: [dest('a', { subset: '' })] }]), 'spec.http[0].route[0].destination.subset', 'subset name cannot be empty');
    rejects(vs([{ route: [dest('a', { port: { number: 0 } })] }]), 'spec.http[0].route[0].destination.port.number', 'port number must be in the range 1..65535');
    rejects(vs([{ route: [{ ...dest(), weight: -1 }, { ...dest(), weight: 1 }] }]), 'spec.http[0].route[0].weight', 'weight -1 < 0');
    rejects(vs([{ route: [{ ...dest(), weight: 0 }, dest()] }]), 'spec.http[0].route', 'total destination weight = 0');
    expect(errors(vs([{ route: [{ ...dest(), weight: 0 }] }]))).toEqual([]);
    rejects(vs([{ route: [{ weight: 1 }] }]), 'spec.http[0].route[0].destination', 'required field is missing');
  });
});

describe('redirect, directResponse, rewrite', () => {
  test('redirect', () => {
    rejects(vs([{ redirect: {} }]), 'spec.http[0].redirect', 'redirect must specify URI, authority, scheme, or port');
    rejects(vs([{ redirect: { uri: '/a', prefixRewrite: '/b' } }]), 'spec.http[0].redirect.prefixRewrite', 'redirect may only specify one of uri or prefix_rewrite');
    rejects(vs([{ redirect: { uri: '/a', redirectCode: 200 } }]), 'spec.http[0].redirect.redirectCode', '200 is not a valid redirect code, must be 3xx');
    rejects(vs([{ redirect: { scheme: 'ftp' } }]), 'spec.http[0].redirect.scheme', 'invalid redirect scheme, must be "http" or "https"');
    rejects(vs([{ redirect: { port: 65536 } }]), 'spec.http[0].redirect.port', 'must be in the range 1..65535');
    rejects(vs([{ redirect: { port: 8443, derivePort: 'FROM_REQUEST_PORT' } }]), 'spec.http[0].redirect.derivePort', 'only specify one of port or derivePort');
    rejects(vs([{ redirect: { derivePort: 'FROM_SOMEWHERE' } }]), 'spec.http[0].redirect.derivePort', 'invalid value; expected one of "FROM_PROTOCOL_DEFAULT", "FROM_REQUEST_PORT"');
    rejects(vs([{ match: [{ uri: { exact: '/a' } }], redirect: { prefixRewrite: '/b' } }]), 'spec.http[0].match[0].uri', 'requires all URI matches to use prefix match type');
    expect(warnings(vs([{ redirect: { uri: '/a', redirectCode: 305 } }]))).toEqual([['spec.http[0].redirect.redirectCode', expect.stringContaining('not supported by Envoy')]]);
  });
  test('directResponse', () => {
    rejects(vs([{ directResponse: { status: 199 } }]), 'spec.http[0].directResponse.status', 'HTTP status 199 is not in range 200-599');
    rejects(vs([{ directResponse: { status: 200, body: { string: 'a', bytes: 'YQ==' } } }]), 'spec.http[0].directResponse.body.bytes', 'only specify one of string or bytes');
    rejects(vs([{ directResponse: { status: 200, body: { bytes: 'not base64!' } } }]), 'spec.http[0].directResponse.body.bytes', 'base64');
    rejects(vs([{ directResponse: { status: 200, body: { string: 'x'.repeat(1024 * 1024 + 1) } } }]), 'spec.http[0].directResponse.body.string', 'must be less than 1MB');
    expect(warnings(vs([{ directResponse: { status: 200, body: { string: 'x'.repeat(200 * 1024) } } }]))).toEqual([['spec.http[0].directResponse.body', 'large direct_responses may impact control plane performance']]);
  });
  test('rewrite', () => {
    rejects(vs([route({ rewrite: {} })]), 'spec.http[0].rewrite', 'rewrite must specify at least one of URI, UriRegexRewrite, or authority');
    rejects(vs([route({ rewrite: { uri: '/a', uriRegexRewrite: { match: 'a', rewrite: 'b' } } })]), 'spec.http[0].rewrite.uriRegexRewrite', 'rewrite may only contain one of URI or UriRegexRewrite');
    rejects(vs([route({ rewrite: { uriRegexRewrite: { match: '', rewrite: 'b' } } })]), 'spec.http[0].rewrite.uriRegexRewrite.match', 'UriRegexRewrite requires both Rewrite and Match fields to be specified');
    rejects(vs([route({ rewrite: { uriRegexRewrite: { match: '(', rewrite: 'b' } } })]), 'spec.http[0].rewrite.uriRegexRewrite.match', 'Istio uses RE2');
  });
});

describe('retries, CORS, fault, mirror', () => {
  test('retries', () => {
    rejects(vs([route({ retries: { attempts: -1 } })]), 'spec.http[0].retries.attempts', 'attempts cannot be negative');
    rejects(vs([route({ retries: { attempts: 0, perTryTimeout: '1s' } })]), 'spec.http[0].retries.attempts', 'http retry policy configured when attempts are set to 0 (disabled)');
    rejects(vs([route({ retries: { retryOn: '5xx' } })]), 'spec.http[0].retries', 'http retry policy configured when attempts are set to 0 (disabled)');
    rejects(vs([route({ retries: { attempts: 2, retryOn: '5xx,bogus' } })]), 'spec.http[0].retries.retryOn', '"bogus" is not a valid retryOn policy');
    rejects(vs([route({ retries: { attempts: 2, retryOn: '5xx, reset' } })]), 'spec.http[0].retries.retryOn', '" reset" is not a valid retryOn policy');
    rejects(vs([route({ retries: { attempts: 2, retryOn: '999' } })]), 'spec.http[0].retries.retryOn', '"999" is not a valid retryOn policy');
    rejects(vs([route({ retries: { attempts: 2, backoff: '0.1ms' } })]), 'spec.http[0].retries.backoff', 'duration must be greater than 1ms');
    expect(errors(vs([route({ retries: { attempts: 0 } })]))).toEqual([]);
  });
  test('CORS', () => {
    const c = (corsPolicy: unknown) => vs([route({ corsPolicy })]);
    rejects(c({ allowOrigins: [{ exact: '' }] }), 'spec.http[0].corsPolicy.allowOrigins[0]', "'' is not a valid match type for CORS allow origins");
    rejects(c({ allowOrigins: [{}] }), 'spec.http[0].corsPolicy.allowOrigins[0]', 'is not a valid match type for CORS allow origins');
    rejects(c({ allowOrigins: [{ regex: '[' }] }), 'spec.http[0].corsPolicy.allowOrigins[0].regex', 'Istio uses RE2');
    rejects(c({ allowMethods: ['get'] }), 'spec.http[0].corsPolicy.allowMethods[0]', '"get" is not a supported HTTP method');
    rejects(c({ allowHeaders: ['a b'] }), 'spec.http[0].corsPolicy.allowHeaders[0]', 'header name a b is not a valid header name');
    rejects(c({ exposeHeaders: [''] }), 'spec.http[0].corsPolicy.exposeHeaders[0]', 'header name cannot be empty');
    rejects(c({ maxAge: '1500ms' }), 'spec.http[0].corsPolicy.maxAge', 'max_age duration is accurate only to seconds precision');
    rejects(c({ unmatchedPreflights: 'DROP' }), 'spec.http[0].corsPolicy.unmatchedPreflights', 'invalid value');
  });
  test('fault', () => {
    const f = (fault: unknown) => vs([route({ fault })]);
    rejects(f({}), 'spec.http[0].fault', 'HTTP fault injection must have an abort and/or a delay');
    rejects(f({ abort: { httpStatus: 700, percentage: { value: 1 } } }), 'spec.http[0].fault.abort.httpStatus', 'HTTP status 700 is not in range 200-599');
    rejects(f({ abort: { grpcStatus: '14' } }), 'spec.http[0].fault.abort.grpcStatus', 'gRPC status "14" is not supported');
    rejects(f({ abort: { http2Error: 'x' } }), 'spec.http[0].fault.abort.http2Error', 'HTTP/2 abort fault injection not supported yet');
    rejects(f({ delay: { exponentialDelay: '1s' } }), 'spec.http[0].fault.delay.exponentialDelay', 'exponentialDelay not supported yet');
    rejects(f({ delay: { fixedDelay: '0.5ms' } }), 'spec.http[0].fault.delay.fixedDelay', 'duration must be greater than 1ms');
    rejects(f({ delay: { fixedDelay: '1s', percentage: { value: 0.00001 } } }), 'spec.http[0].fault.delay.percentage.value', 'is neither 0.0 nor in range [0.0001, 100.0]');
    rejects(f({ abort: { httpStatus: 500, percentage: { value: 101 } } }), 'spec.http[0].fault.abort.percentage.value', 'not in range');
    expect(warnings(f({ abort: { percentage: { value: 1 } } }))).toEqual([['spec.http[0].fault.abort', 'abort configured, but error type not set']]);
    expect(errors(f({ delay: { fixedDelay: '1s', percent: 10 } }))).toEqual([]);
  });
  test('mirror', () => {
    rejects(vs([route({ mirror: { host: 'm' }, mirrorPercentage: { value: 101 } })]), 'spec.http[0].mirrorPercentage.value', 'mirror_percentage must have a max value of 100 (it has 101.000000)');
    rejects(vs([route({ mirror: { host: 'm' }, mirrorPercentage: { value: -1 } })]), 'spec.http[0].mirrorPercentage.value', 'mirror_percentage must have a min value of 0');
    rejects(vs([route({ mirror: { host: 'm' }, mirrorPercent: 101 })]), 'spec.http[0].mirrorPercent', 'mirror_percent must have a max value of 100 (it has 101)');
    rejects(vs([route({ mirrors: [{ destination: { host: 'm' }, percentage: { value: 200 } }] })]), 'spec.http[0].mirrors[0].percentage.value', 'mirror percentage must have a max value of 100');
    rejects(vs([route({ mirror: { host: '*' } })]), 'spec.http[0].mirror.host', 'invalid destination host *');
    rejects(vs([route({ mirrors: [{ percentage: { value: 1 } }] })]), 'spec.http[0].mirrors[0].destination', 'required field is missing');
    expect(warnings(vs([route({ mirror: { host: 'm' }, mirrorPercent: 5 })]))).toEqual([['spec.http[0].mirrorPercent', 'using deprecated setting "mirrorPercent", use "mirrorPercentage" instead']]);
  });
});

describe('TLS and TCP routes', () => {
  const tls = (t: unknown, hosts = ['a.example.com'], gateways: string[] = ['gw']) => ({ hosts, gateways, tls: [t] });
  test('TLS route rules', () => {
    rejects(tls({ route: [dest()] }), 'spec.tls[0].match', 'TLS route must have at least one match condition');
    rejects(tls({ match: [{ sniHosts: ['a.example.com'] }] }), 'spec.tls[0].route', 'TLS route is required');
    rejects(tls({ match: [{ port: 443 }], route: [dest()] }), 'spec.tls[0].match[0].sniHosts', 'TLS match must have at least one SNI host');
    rejects(tls({ match: [{ sniHosts: ['b.example.com'] }], route: [dest()] }), 'spec.tls[0].match[0].sniHosts[0]', 'SNI host "b.example.com" is not a compatible subset of any of the virtual service hosts: [a.example.com]');
    rejects(tls({ match: [{ sniHosts: ['a.example.com'], destinationSubnets: ['10.0.0.0/33'] }], route: [dest()] }), 'spec.tls[0].match[0].destinationSubnets[0]', 'invalid CIDR address: 10.0.0.0/33');
    expect(errors(tls({ match: [{ sniHosts: ['a.example.com', 'x.a.example.com'] }], route: [dest()] }, ['*.example.com']))).toEqual([]);
    expect(warnings(tls({ match: [{ sniHosts: ['10.1.1.1'] }], route: [dest()] }, ['10.1.1.1']))).toEqual([['spec.tls[0].match[0].sniHosts[0]', 'using an IP address ("10.1.1.1") goes against SNI spec and most clients do not support this']]);
  });
  test('TCP route rules', () => {
    rejects({ hosts: ['a'], tcp: [{ match: [{ port: 1 }] }] }, 'spec.tcp[0].route', 'TCP route is required');
    rejects({ hosts: ['a'], tcp: [{ match: [{ destinationSubnets: ['nope'] }], route: [dest()] }] }, 'spec.tcp[0].match[0].destinationSubnets[0]', 'nope is not a valid IP');
    rejects({ hosts: ['a'], tcp: [{ route: [{ ...dest(), weight: 0 }, { ...dest(), weight: 0 }] }] }, 'spec.tcp[0].route', 'total destination weight = 0');
  });
});

describe('warnings: unreachable rules', () => {
  test('rule after a catch-all, duplicate matches, covered prefixes', () => {
    expect(warnings(vs([route(), route({ name: 'late', match: [{ uri: { exact: '/a' } }] })]))).toEqual([['spec.http[1]', 'virtualService rule "late" not used (route without matches defined before)']]);
    expect(warnings(vs([route(), route()]))).toEqual([['spec.http[1]', 'virtualService rule #1 not used (only the last rule can have no matches)']]);
    expect(warnings(vs([route({ match: [{ uri: { exact: '/a' } }] }), route({ match: [{ name: 'again', uri: { exact: '/a' } }] })]))).toEqual([
      ['spec.http[1].match[0]', 'virtualService rule #1 match "again" is not used (duplicate/overlapping match in rule #0)'],
      ['spec.http[1]', 'virtualService rule #1 not used (all matches used by prior rules)'],
    ]);
    expect(warnings(vs([route({ match: [{ uri: { prefix: '/api' } }] }), route({ match: [{ uri: { prefix: '/api/v1' } }] })]))).toEqual([
      ['spec.http[1].match[0]', 'virtualService rule #1 match #0 of prefix /api/v1 is not used (duplicate/overlapping match in rule #0 of prefix /api on #0)'],
    ]);
    expect(warnings(vs([route({ match: [{ uri: { prefix: '/api' }, headers: { a: { exact: 'b' } } }] }), route({ match: [{ uri: { prefix: '/api/v1' } }] })]))).toEqual([]);
    expect(warnings({ hosts: ['a'], tcp: [{ route: [dest()] }, { match: [{ port: 1 }], route: [dest()] }] })).toEqual([['spec.tcp[1]', 'virtualService rule #1 not used (route without matches defined before)']]);
  });
});
