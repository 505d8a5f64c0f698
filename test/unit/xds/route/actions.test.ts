import { describe, expect, test } from 'vitest';
import { META, routesOf, setup, translate, vsYaml } from './helpers.ts';

// Redirects, direct responses, rewrites, fault and CORS per-route configs (Istio route.go
// ApplyRedirect, ApplyDirectResponse, applyHTTPRouteDestination, TranslateFault, TranslateCORSPolicy).

describe('redirect', () => {
  test('uri, authority, scheme, code; no route action, no retry policy; decorator uses the VS name', () => {
    const { routes } = translate(`  - match: [{uri: {exact: /old}}]
    redirect: {uri: '/new?x=1', authority: new.example.com, scheme: https, redirectCode: 308}`);
    expect(routes).toEqual([
      {
        match: { path: '/old', case_sensitive: true },
        metadata: META,
        redirect: { path_redirect: '/new?x=1', host_redirect: 'new.example.com', scheme_redirect: 'https', response_code: 'PERMANENT_REDIRECT' },
        decorator: { operation: 'vs:80/old' },
      },
    ]);
  });

  test('default code 301; prefixRewrite; explicit port kept unless it is the scheme default', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /a}}]
    redirect: {prefixRewrite: /b, port: 8443}
  - match: [{uri: {prefix: /c}}]
    redirect: {authority: x.example.com, port: 80}
  - match: [{uri: {prefix: /d}}]
    redirect: {scheme: https, port: 443, redirectCode: 302}`);
    expect(routes.map((r) => r.redirect)).toEqual([
      { prefix_rewrite: '/b', port_redirect: 8443, response_code: 'MOVED_PERMANENTLY' },
      { host_redirect: 'x.example.com', response_code: 'MOVED_PERMANENTLY' },
      { scheme_redirect: 'https', response_code: 'FOUND' },
    ]);
  });

  test('derivePort FROM_REQUEST_PORT: the listener port (elided when default for the scheme) and the meshgate flag', () => {
    const tls = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: gw, namespace: istio-system}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 8443, name: https, protocol: HTTPS}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: cert}
  - port: {number: 443, name: https-443, protocol: HTTPS}
    hosts: ['*']
    tls: {mode: SIMPLE, credentialName: cert}
---
`;
    const tx = setup(tls + vsYaml(`  - redirect: {uri: /x, derivePort: FROM_REQUEST_PORT}`));
    expect(routesOf(tx, 'vs', 'default', 8443)[0]!.redirect).toEqual({ path_redirect: '/x', port_redirect: 8443, response_code: 'MOVED_PERMANENTLY', 'meshgate.derive_port_from_request': true });
    expect(routesOf(tx, 'vs', 'default', 443)[0]!.redirect).toEqual({ path_redirect: '/x', response_code: 'MOVED_PERMANENTLY', 'meshgate.derive_port_from_request': true });
    expect(routesOf(tx, 'vs', 'default', 80)[0]!.redirect).toEqual({ path_redirect: '/x', response_code: 'MOVED_PERMANENTLY', 'meshgate.derive_port_from_request': true });
  });

  test('a 3xx code Envoy cannot send drops the route with a warning', () => {
    const { routes, tx } = translate(`  - match: [{uri: {prefix: /a}}]
    redirect: {uri: /b, redirectCode: 305}
  - route: [{destination: {host: a.example.com}}]`);
    expect(routes.map((r) => r.match)).toEqual([{ prefix: '/', case_sensitive: true }]);
    expect(tx.warnings).toEqual(['VirtualService default/vs route (unnamed): redirect code 305 is not supported by Envoy; route dropped']);
  });
});

describe('direct response', () => {
  test('status with a string or base64 bytes body', () => {
    const { routes } = translate(`  - match: [{uri: {exact: /s}}]
    directResponse: {status: 418, body: {string: teapot}}
  - match: [{uri: {exact: /b}}]
    directResponse: {status: 200, body: {bytes: aGk=}}
  - directResponse: {status: 204}`);
    expect(routes.map((r) => [r.direct_response, r.route])).toEqual([
      [{ status: 418, body: { inline_string: 'teapot' } }, undefined],
      [{ status: 200, body: { inline_bytes: 'aGk=' } }, undefined],
      [{ status: 204 }, undefined],
    ]);
  });
});

describe('rewrite', () => {
  test('uri ⇒ prefix_rewrite for prefix, exact and regex matches (Envoy replaces the whole path for exact/regex); authority ⇒ host_rewrite_literal', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /api/}}, {uri: {exact: /v1/ping}}, {uri: {regex: '/r/.*'}}]
    rewrite: {uri: /, authority: backend.internal}
    route: [{destination: {host: a.example.com}}]`);
    for (const r of routes) expect([r.route!.prefix_rewrite, r.route!.host_rewrite_literal, r.route!.regex_rewrite]).toEqual(['/', 'backend.internal', undefined]);
    expect(routes.map((r) => r.match)).toEqual([
      { prefix: '/api/', case_sensitive: true },
      { path: '/v1/ping', case_sensitive: true },
      { safe_regex: { regex: '/r/.*' }, case_sensitive: true },
    ]);
  });

  test('uriRegexRewrite ⇒ regex_rewrite keeping Envoy \\1 substitutions', () => {
    const { routes } = translate(`  - match: [{uri: {prefix: /z2m/}}]
    rewrite: {uriRegexRewrite: {match: '/z2m(/|$)(.*)', rewrite: '/\\2'}}
    route: [{destination: {host: a.example.com}}]`);
    expect(routes[0]!.route!.regex_rewrite).toEqual({ pattern: { regex: '/z2m(/|$)(.*)' }, substitution: '/\\2' });
    expect(routes[0]!.route!.prefix_rewrite).toBeUndefined();
  });
});

describe('fault', () => {
  test('delay and abort with percentages in parts per million', () => {
    const { routes } = translate(`  - fault:
      delay: {fixedDelay: 1500ms, percentage: {value: 50}}
      abort: {httpStatus: 503, percentage: {value: 0.5}}
    route: [{destination: {host: a.example.com}}]`);
    expect(routes[0]!.typed_per_filter_config).toEqual({
      'envoy.filters.http.fault': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
        delay: { fixed_delay: '1.5s', percentage: { numerator: 500000, denominator: 'MILLION' } },
        abort: { http_status: 503, percentage: { numerator: 5000, denominator: 'MILLION' } },
      },
    });
  });

  test('no percentage never fires (numerator 0); gRPC status by number; legacy integer percent stays HUNDRED', () => {
    const { routes } = translate(`  - fault:
      delay: {fixedDelay: 2s, percent: 25}
      abort: {grpcStatus: UNAVAILABLE}
    route: [{destination: {host: a.example.com}}]`);
    expect(routes[0]!.typed_per_filter_config!['envoy.filters.http.fault']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      delay: { fixed_delay: '2s', percentage: { numerator: 25, denominator: 'HUNDRED' } },
      abort: { grpc_status: 14, percentage: { numerator: 0, denominator: 'MILLION' } },
    });
    const abortOnly = translate(`  - fault: {abort: {httpStatus: 500}}\n    route: [{destination: {host: a.example.com}}]`).routes[0]!;
    expect(abortOnly.typed_per_filter_config!['envoy.filters.http.fault']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault',
      abort: { http_status: 500, percentage: { numerator: 0, denominator: 'MILLION' } },
    });
  });
});

describe('cors', () => {
  test('allowOrigins matchers, joined lists, max_age seconds, credentials; forwards unmatched preflights by default', () => {
    const { routes } = translate(`  - corsPolicy:
      allowOrigins: [{exact: 'https://a.example.com'}, {prefix: 'https://dev.'}, {regex: 'https://.*\\.b\\.com'}]
      allowMethods: [GET, POST]
      allowHeaders: [authorization, x-custom]
      exposeHeaders: [x-trace]
      maxAge: 24h
      allowCredentials: true
    route: [{destination: {host: a.example.com}}]`);
    expect(routes[0]!.typed_per_filter_config).toEqual({
      'envoy.filters.http.cors': {
        '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
        allow_origin_string_match: [{ exact: 'https://a.example.com' }, { prefix: 'https://dev.' }, { safe_regex: { regex: 'https://.*\\.b\\.com' } }],
        allow_methods: 'GET,POST',
        allow_headers: 'authorization,x-custom',
        expose_headers: 'x-trace',
        max_age: '86400',
        allow_credentials: true,
        forward_not_matching_preflights: true,
        filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
      },
    });
  });

  test('legacy allowOrigin ⇒ exact matchers; unmatchedPreflights IGNORE ⇒ not forwarded; with a fault both configs are set', () => {
    const { routes } = translate(`  - corsPolicy: {allowOrigin: ['https://x.com'], unmatchedPreflights: IGNORE, allowCredentials: false}
    fault: {delay: {fixedDelay: 1s, percentage: {value: 100}}}
    route: [{destination: {host: a.example.com}}]`);
    expect(Object.keys(routes[0]!.typed_per_filter_config!)).toEqual(['envoy.filters.http.fault', 'envoy.filters.http.cors']);
    expect(routes[0]!.typed_per_filter_config!['envoy.filters.http.cors']).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy',
      allow_origin_string_match: [{ exact: 'https://x.com' }],
      allow_credentials: false,
      forward_not_matching_preflights: false,
      filter_enabled: { default_value: { numerator: 100, denominator: 'HUNDRED' } },
    });
  });
});
