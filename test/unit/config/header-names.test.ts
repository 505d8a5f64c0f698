import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';
import { compileJwtAuthn } from '../../../src/gateway/filters/jwt-authn.ts';
import { compilePrincipal } from '../../../src/gateway/filters/authz/matchers.ts';

// Header names the Workers runtime cannot hold (not RFC 9110 tokens: a space, parentheses) are
// refused at apply, naming the field. Istio checks less, and Envoy would carry them; a gateway on
// Workers would throw on every request instead, or NACK every later snapshot.

const doc = (kind: string, apiVersion: string, spec: string) => `apiVersion: ${apiVersion}
kind: ${kind}
metadata: {name: x, namespace: istio-system}
spec:
${spec}`;

const cases: [string, string, string][] = [
  ['RequestAuthentication fromHeaders', doc('RequestAuthentication', 'security.istio.io/v1', '  jwtRules: [{issuer: a, jwksUri: "https://a.example/jwks", fromHeaders: [{name: "x token"}]}]'), 'spec.jwtRules[0].fromHeaders[0].name'],
  ['RequestAuthentication outputPayloadToHeader', doc('RequestAuthentication', 'security.istio.io/v1', '  jwtRules: [{issuer: a, jwksUri: "https://a.example/jwks", outputPayloadToHeader: "x jwt payload"}]'), 'spec.jwtRules[0].outputPayloadToHeader'],
  ['VirtualService request set', doc('VirtualService', 'networking.istio.io/v1', '  hosts: [a.example.com]\n  http: [{route: [{destination: {host: a.example.com}}], headers: {request: {set: {"x user": a}}}}]'), 'spec.http[0].headers.request.set["x user"]'],
  ['VirtualService response remove', doc('VirtualService', 'networking.istio.io/v1', '  hosts: [a.example.com]\n  http: [{route: [{destination: {host: a.example.com}}], headers: {response: {remove: ["a(b)"]}}}]'), 'spec.http[0].headers.response.remove[0]'],
  ['DestinationRule consistentHash header', doc('DestinationRule', 'networking.istio.io/v1', '  host: a.example.com\n  trafficPolicy: {loadBalancer: {consistentHash: {httpHeaderName: "x a"}}}'), 'spec.trafficPolicy.loadBalancer.consistentHash.httpHeaderName'],
  ['DestinationRule cookie name', doc('DestinationRule', 'networking.istio.io/v1', '  host: a.example.com\n  trafficPolicy: {loadBalancer: {consistentHash: {httpCookie: {name: "s; Domain=evil", ttl: 0s}}}}'), 'spec.trafficPolicy.loadBalancer.consistentHash.httpCookie.name'],
  ['AuthorizationPolicy when request.headers', doc('AuthorizationPolicy', 'security.istio.io/v1', '  action: DENY\n  rules: [{when: [{key: "request.headers[x a]", values: [v]}]}]'), 'spec.rules[0].when[0].key'],
];

describe('header names that are not RFC 9110 tokens', () => {
  test.each(cases)('%s is an error at its field', (_what, yaml, path) => {
    const r = loadManifest(yaml);
    expect(r.resources).toEqual([]);
    expect(r.issues).toContainEqual(expect.objectContaining({ severity: 'error', path }));
  });

  test('valid names pass', () => {
    const r = loadManifest(doc('VirtualService', 'networking.istio.io/v1', '  hosts: [a.example.com]\n  http: [{route: [{destination: {host: a.example.com}}], headers: {request: {set: {"x-user": a, ":authority": b.example.com}}, response: {remove: ["x-b"]}}}]'));
    expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
  });

  test('the data plane refuses them at compile too (a NACK), never on each request', () => {
    const jwks = JSON.stringify({ keys: [] });
    expect(() => compileJwtAuthn({ '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication', providers: { p: { issuer: 'a', local_jwks: { inline_string: jwks }, from_headers: [{ name: 'x token' }] } }, rules: [{ match: { prefix: '/' }, requires: { provider_name: 'p' } }] })).toThrow(/"x token" is not a valid header name/);
    expect(() => compilePrincipal({ header: { name: 'x a', present_match: true } })).toThrow(/"x a" is not a valid header name/);
  });
});
