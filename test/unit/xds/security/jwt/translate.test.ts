import { describe, expect, test } from 'vitest';
import { push } from '../../snapshot-helpers.ts';
import { buildJwtAuthnFilters } from '../../../../../src/xds/security/jwt-authn.ts';
import { JwtAuthentication, type JwtAuthentication as JwtAuthenticationT } from '../../../../../src/xds/filters/jwt-authn.ts';
import type { Node } from '../../../../../src/xds/protocol.ts';

// RequestAuthentication YAML → the exact envoy.filters.http.jwt_authn config Istio generates
// for a gateway (policy_applier.go convertToEnvoyJwtConfig).

const ingress: Node = { id: 'ingress', role: 'ingress', namespace: 'istio-system', labels: { istio: 'ingressgateway' } };

const JWKS = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] });

function only(p: ReturnType<typeof push>, node: Node = ingress): JwtAuthenticationT {
  const filters = buildJwtAuthnFilters(p, node);
  expect(filters.map((f) => f.name)).toEqual(['envoy.filters.http.jwt_authn']);
  // The data plane accepts exactly what the translator emits.
  return JwtAuthentication.parse(filters[0]!.typed_config);
}

const ra = (ns: string, name: string, body: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: ${name}, namespace: ${ns}}
spec:
${body}`;

describe('gateway-scoped and mesh-wide RequestAuthentication', () => {
  test('one rule with jwksUri and a selector matching the gateway: P0 OR allow_missing', () => {
    const cfg = only(push(ra('istio-system', 'ingress-jwt', `  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: testing@secure.istio.io
    jwksUri: https://raw.githubusercontent.com/istio/istio/release-1.24/security/tools/jwt/samples/jwks.json`)));
    expect(cfg).toEqual({
      '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
      providers: {
        'origins-0': {
          issuer: 'testing@secure.istio.io',
          remote_jwks: { http_uri: { uri: 'https://raw.githubusercontent.com/istio/istio/release-1.24/security/tools/jwt/samples/jwks.json', timeout: '5s' }, cache_duration: '300s' },
          payload_in_metadata: 'payload',
          normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] },
          clear_route_cache: true,
        },
      },
      rules: [{ match: { prefix: '/' }, requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { allow_missing: {} }] } } }],
      bypass_cors_preflight: true,
    });
  });

  test('a selector that does not match the gateway, or a policy in another namespace, gives no filter', () => {
    const p = push(
      ra('istio-system', 'other', `  selector: {matchLabels: {istio: egressgateway}}
  jwtRules: [{issuer: a, jwks: '${JWKS}'}]`),
      ra('foo', 'ns-wide', `  jwtRules: [{issuer: b, jwks: '${JWKS}'}]`),
    );
    expect(buildJwtAuthnFilters(p, ingress)).toEqual([]);
    expect(buildJwtAuthnFilters(p, { ...ingress, id: 'egress', role: 'egress', labels: { istio: 'egressgateway' } })).toHaveLength(1);
  });

  test('root namespace without selector is mesh-wide; inline jwks passes through unchanged', () => {
    const cfg = only(push(ra('istio-system', 'mesh', `  jwtRules: [{issuer: "https://issuer.example", jwks: '${JWKS}'}]`)));
    expect(cfg.providers['origins-0']).toEqual({ issuer: 'https://issuer.example', local_jwks: { inline_string: JWKS }, payload_in_metadata: 'payload', normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'scope'] }, clear_route_cache: true });
  });

  test('custom root namespace from MeshConfig', () => {
    const mesh = `apiVersion: v1
kind: ConfigMap
metadata: {name: istio, namespace: istio-system}
data:
  mesh: |
    rootNamespace: mesh-root`;
    const p = push(mesh, ra('mesh-root', 'mesh', `  jwtRules: [{issuer: a, jwks: '${JWKS}'}]`));
    expect(only(p).providers['origins-0']?.issuer).toBe('a');
  });

  test('several rules from several policies: sorted by issuer, P0 OR P1 OR AND(P0 OR allow_missing, P1 OR allow_missing)', () => {
    const cfg = only(push(
      ra('istio-system', 'mesh', `  jwtRules: [{issuer: zeta, jwks: '${JWKS}'}]`),
      ra('istio-system', 'gw', `  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules: [{issuer: alpha, jwks: '${JWKS}', audiences: [svc-a, svc-b]}]`),
    ));
    expect(Object.fromEntries(Object.entries(cfg.providers).map(([k, v]) => [k, [v.issuer, v.audiences]]))).toEqual({ 'origins-0': ['alpha', ['svc-a', 'svc-b']], 'origins-1': ['zeta', undefined] });
    const opt = (n: string) => ({ requires_any: { requirements: [{ provider_name: n }, { allow_missing: {} }] } });
    expect(cfg.rules).toEqual([{
      match: { prefix: '/' },
      requires: { requires_any: { requirements: [{ provider_name: 'origins-0' }, { provider_name: 'origins-1' }, { requires_all: { requirements: [opt('origins-0'), opt('origins-1')] } }] } },
    }]);
  });

  test('locations and outputs: fromHeaders with prefix, fromParams, fromCookies, payload and claim headers, forwarding, timeout', () => {
    const cfg = only(push(ra('istio-system', 'gw', `  selector: {matchLabels: {istio: ingressgateway}}
  jwtRules:
  - issuer: iss
    audiences: [aud1]
    jwksUri: http://keys.example/jwks
    timeout: 1.5s
    fromHeaders: [{name: x-jwt-token}, {name: Authorization, prefix: "Bearer "}]
    fromParams: [token, t2]
    fromCookies: [session]
    outputPayloadToHeader: x-jwt-payload
    forwardOriginalToken: true
    outputClaimToHeaders: [{header: x-sub, claim: sub}, {header: x-group, claim: nested.group}]
    spaceDelimitedClaims: [roles]`)));
    expect(cfg.providers['origins-0']).toEqual({
      issuer: 'iss',
      audiences: ['aud1'],
      remote_jwks: { http_uri: { uri: 'http://keys.example/jwks', timeout: '1.5s' }, cache_duration: '300s' },
      forward: true,
      from_headers: [{ name: 'x-jwt-token' }, { name: 'Authorization', value_prefix: 'Bearer ' }],
      from_params: ['token', 't2'],
      from_cookies: ['session'],
      forward_payload_header: 'x-jwt-payload',
      // Istio buildSpaceDelimitedClaims: the rule's claims and always permission and scope, sorted.
      payload_in_metadata: 'payload',
      normalize_payload_in_metadata: { space_delimited_claims: ['permission', 'roles', 'scope'] },
      claim_to_headers: [{ header_name: 'x-sub', claim_name: 'sub' }, { header_name: 'x-group', claim_name: 'nested.group' }],
      clear_route_cache: true,
    });
  });

  test('private key members never reach the snapshot', () => {
    const withPrivate = JSON.stringify({ keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', d: 'SECRET-D-VALUE' }, { kty: 'oct', k: 'SECRET-K-VALUE' }] });
    const cfg = only(push(ra('istio-system', 'mesh', `  jwtRules: [{issuer: a, jwks: '${withPrivate}'}]`)));
    const text = JSON.stringify(cfg);
    expect(text).not.toContain('SECRET-D-VALUE');
    expect(text).not.toContain('SECRET-K-VALUE');
    expect(JSON.parse(cfg.providers['origins-0']!.local_jwks!.inline_string).keys[0]).toEqual({ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' });
  });

  test('an issuer without jwks or jwksUri is resolved through OpenID discovery', () => {
    const cfg = only(push(ra('istio-system', 'mesh', `  jwtRules: [{issuer: "https://accounts.example.com/"}]`)));
    expect(cfg.providers['origins-0']!.remote_jwks).toEqual({
      http_uri: { uri: 'https://accounts.example.com/.well-known/openid-configuration', timeout: '5s' },
      cache_duration: '300s',
      'meshgate.openid_discovery': true,
    });
  });

  test('a policy without jwtRules adds nothing', () => {
    expect(buildJwtAuthnFilters(push(ra('istio-system', 'empty', '  selector: {matchLabels: {istio: ingressgateway}}')), ingress)).toEqual([]);
  });
});
