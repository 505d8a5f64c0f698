import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { CorsPolicy } from '../../../../src/xds/filters/cors.ts';
import { HTTPFault } from '../../../../src/xds/filters/fault.ts';
import { buildPushContext } from '../../../../src/xds/push-context.ts';
import { Route } from '../../../../src/xds/resources/route.ts';
import { translateHttpRoutes } from '../../../../src/xds/route/translate.ts';

// Every route translateHttpRoutes emits for valid Istio config is a valid snapshot Route, and
// its fault/cors per-filter configs parse with the schemas the data plane validates against.

const word = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
const path = word.map((w) => `/${w}`);
const stringMatch = fc.oneof(word.map((exact) => ({ exact })), word.map((prefix) => ({ prefix })), word.map((w) => ({ regex: `${w}.*` })), fc.constant({}));
const uriMatch = fc.oneof(path.map((exact) => ({ exact })), path.map((prefix) => ({ prefix })), path.map((p) => ({ regex: `${p}/[0-9]+` })));
const percent = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 100 }), fc.double({ min: 0.0001, max: 100, noNaN: true }).map((v) => Math.round(v * 10000) / 10000)).map((value) => ({ value }));
const host = fc.constantFrom('a.example.com', 'b.example.com', 'svc', 'multi.example.com');
const destination = fc.record({ host, subset: fc.option(fc.constantFrom('v1', 'v2'), { nil: undefined }), port: fc.option(fc.constantFrom(80, 8080).map((number) => ({ number })), { nil: undefined }) }, { requiredKeys: ['host'] });
const headerOps = fc.record({ set: fc.dictionary(word, word, { maxKeys: 2 }), add: fc.dictionary(word, word, { maxKeys: 2 }), remove: fc.array(word, { maxLength: 2 }) }, { requiredKeys: [] });
const headers = fc.record({ request: headerOps, response: headerOps }, { requiredKeys: [] });

const match = fc.record(
  {
    name: word,
    uri: uriMatch,
    method: fc.constantFrom({ exact: 'GET' }, { prefix: 'P' }),
    authority: word.map((prefix) => ({ prefix })),
    headers: fc.dictionary(fc.oneof(word.map((w) => `x-${w}`), word.map((w) => `@request.auth.claims.${w}`)), stringMatch, { maxKeys: 2 }),
    withoutHeaders: fc.dictionary(word.map((w) => `x-${w}`), stringMatch, { maxKeys: 2 }),
    queryParams: fc.dictionary(word, stringMatch, { maxKeys: 2 }),
    ignoreUriCase: fc.boolean(),
    port: fc.constantFrom(80, 443),
    gateways: fc.constantFrom(['istio-system/gw'], ['istio-system/other']),
  },
  { requiredKeys: [] },
);

const routeAction = fc.record(
  {
    route: fc.oneof(
      destination.map((d) => [{ destination: d }]),
      fc.array(fc.record({ destination, weight: fc.integer({ min: 0, max: 100 }), headers }), { minLength: 2, maxLength: 3 }).filter((l) => l.some((d) => d.weight > 0)),
    ),
    timeout: fc.constantFrom('1s', '250ms', '1m'),
    retries: fc.oneof(fc.constant({ attempts: 0 }), fc.record({ attempts: fc.integer({ min: 1, max: 5 }), retryOn: fc.constantFrom('5xx', '503,reset', 'gateway-error'), perTryTimeout: fc.constant('2s'), retryIgnorePreviousHosts: fc.boolean() }, { requiredKeys: ['attempts'] })),
    rewrite: fc.oneof(fc.record({ uri: path, authority: word.map((w) => `${w}.example.com`) }, { requiredKeys: [] }).filter((r) => Object.keys(r).length > 0), fc.constant({ uriRegexRewrite: { match: '^/x(.*)', rewrite: '/y\\1' } })),
    mirror: destination,
    mirrorPercentage: percent,
    fault: fc.record({ delay: fc.record({ fixedDelay: fc.constant('1s'), percentage: percent }, { requiredKeys: ['fixedDelay'] }), abort: fc.oneof(fc.record({ httpStatus: fc.integer({ min: 200, max: 599 }), percentage: percent }, { requiredKeys: ['httpStatus'] }), fc.record({ grpcStatus: fc.constantFrom('UNAVAILABLE', 'INTERNAL') })) }, { requiredKeys: [] }).filter((f) => Object.keys(f).length > 0),
    corsPolicy: fc.record({ allowOrigins: fc.array(fc.constantFrom({ exact: 'https://a.com' }, { prefix: 'https://' }, { regex: 'https://.*' }), { maxLength: 2 }), allowMethods: fc.subarray(['GET', 'POST', '*']), allowHeaders: fc.array(word, { maxLength: 2 }), maxAge: fc.constantFrom('1s', '24h'), allowCredentials: fc.boolean(), unmatchedPreflights: fc.constantFrom('FORWARD', 'IGNORE') }, { requiredKeys: [] }),
    headers,
  },
  { requiredKeys: ['route'] },
);
const redirect = fc.record({ uri: path, authority: word, scheme: fc.constantFrom('http', 'https'), derivePort: fc.constantFrom('FROM_PROTOCOL_DEFAULT', 'FROM_REQUEST_PORT'), redirectCode: fc.constantFrom(301, 302, 303, 307, 308) }, { requiredKeys: ['uri'] });
const directResponse = fc.record({ status: fc.integer({ min: 200, max: 599 }), body: fc.oneof(word.map((string) => ({ string })), fc.constant({ bytes: 'aGk=' })) }, { requiredKeys: ['status'] });

const httpRoute = fc
  .tuple(fc.option(word, { nil: undefined }), fc.option(fc.array(match, { minLength: 1, maxLength: 3 }), { nil: undefined }), fc.oneof(routeAction, redirect.map((r) => ({ redirect: r })), directResponse.map((d) => ({ directResponse: d }))))
  .map(([name, m, act]) => ({ ...(name ? { name } : {}), ...(m ? { match: m } : {}), ...act }));

const fixtures = [
  { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'multi', namespace: 'default' }, spec: { hosts: ['multi.example.com'], location: 'MESH_INTERNAL', resolution: 'DNS', ports: [{ number: 8080, name: 'http', protocol: 'HTTP' }, { number: 9090, name: 'http2', protocol: 'HTTP' }] } },
  { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'a', namespace: 'istio-system' }, spec: { host: 'a.example.com', trafficPolicy: { loadBalancer: { consistentHash: { httpCookie: { name: 'c', ttl: '10s' } } } }, subsets: [{ name: 'v1', labels: { v: '1' } }] } },
];

describe('translateHttpRoutes (property)', () => {
  test('every emitted route parses with the Route schema; fault and cors payloads with theirs', () => {
    const seen = { valid: 0, routes: 0, weighted: 0, fault: 0, cors: 0, redirect: 0, direct: 0 };
    fc.assert(
      fc.property(fc.array(httpRoute, { minLength: 1, maxLength: 4 }), fc.constantFrom(80, 443), (http, port) => {
        const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'vs', namespace: 'default' }, spec: { hosts: ['app.example.com'], gateways: ['istio-system/gw'], http } };
        const { resources, issues } = loadManifest(JSON.stringify([vs, ...fixtures]));
        fc.pre(!issues.some((i) => i.severity === 'error'));
        const push = buildPushContext(resources.map((r) => r.resource), 1);
        const tx = { push, clusters: new Map(), warnings: [] };
        const routes = translateHttpRoutes(tx, { vs: push.virtualServices[0]!, port, gateways: new Set(['istio-system/gw']) });
        seen.valid++;
        for (const r of routes) {
          seen.routes++;
          if (r.route?.weighted_clusters) seen.weighted++;
          if (r.redirect) seen.redirect++;
          if (r.direct_response) seen.direct++;
          if (r.typed_per_filter_config?.['envoy.filters.http.fault']) seen.fault++;
          if (r.typed_per_filter_config?.['envoy.filters.http.cors']) seen.cors++;
          expect(Route.safeParse(r).error).toBeUndefined();
          const tpf = r.typed_per_filter_config ?? {};
          if (tpf['envoy.filters.http.fault']) expect(HTTPFault.safeParse(tpf['envoy.filters.http.fault']).error).toBeUndefined();
          if (tpf['envoy.filters.http.cors']) expect(CorsPolicy.safeParse(tpf['envoy.filters.http.cors']).error).toBeUndefined();
          const named = [r.route?.cluster, ...(r.route?.weighted_clusters?.clusters.map((c) => c.name) ?? []), ...(r.route?.request_mirror_policies?.map((m) => m.cluster) ?? [])];
          for (const c of named) if (c) expect(tx.clusters.has(c)).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
    // The generators must reach every kind of route, or the property proves little.
    expect(seen.valid).toBeGreaterThan(100);
    for (const k of ['weighted', 'fault', 'cors', 'redirect', 'direct'] as const) expect(seen[k], k).toBeGreaterThan(5);
  });
});
