import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import { jwksUriError, parseJwks, type JWTRule, type RequestAuthenticationSpec } from '../../../../src/config/kinds/security/request-authentication.ts';
import { jwksUriError as jwksUriError2 } from '../../../../src/config/kinds/security/jwt-rule.ts';

const doc = (spec: string) => `apiVersion: security.istio.io/v1\nkind: RequestAuthentication\nmetadata: {name: r, namespace: foo}\nspec:\n${spec}`;
const rule = (fields: string) => doc(`  jwtRules:\n  - ${fields.trim().split('\n').join('\n    ')}\n`);
const issues = (yaml: string) => loadManifest(yaml).issues.map((i) => [i.severity, i.path, i.message]);

const PUBLIC_JWKS = '{"keys":[{"kty":"RSA","e":"AQAB","kid":"k1","n":"xAE7eB6qugXyCAG3yhh7pkDkT65pHymX"}]}';

describe('RequestAuthentication', () => {
  test('every JWTRule field is accepted and kept as written', () => {
    const r = loadManifest(rule(`
issuer: https://example.com
audiences: [a, b]
jwksUri: https://example.com/.well-known/jwks.json
fromHeaders: [{name: x-jwt, prefix: "Bearer "}, {name: x-other}]
fromParams: [token]
fromCookies: [session]
outputPayloadToHeader: x-jwt-payload
forwardOriginalToken: true
outputClaimToHeaders: [{header: x-sub, claim: sub}, {header: x_group-id, claim: group.id}]
timeout: 2500ms
spaceDelimitedClaims: [roles]`));
    expect(r.issues).toEqual([]);
    const jr: JWTRule = (r.resources[0]!.resource.spec as RequestAuthenticationSpec).jwtRules![0]!;
    expect(jr.timeout).toBe('2500ms');
    expect(jr.fromHeaders).toEqual([{ name: 'x-jwt', prefix: 'Bearer ' }, { name: 'x-other' }]);
    expect(issues(rule(`issuer: i\njwks: '${PUBLIC_JWKS}'`))).toEqual([]);
    expect(issues(rule('jwksUri: http://jwks.local:8080/keys'))).toEqual([]);
    expect(issues(doc('  targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: gw}]\n'))).toEqual([]);
  });

  test('JWTRule rules in Istio wording, at the offending field', () => {
    expect(issues(rule('issuer: i\naudiences: [""]'))).toEqual([['error', 'spec.jwtRules[0].audiences[0]', 'audience must be non-empty string']]);
    expect(issues(rule('audiences: [a]'))).toEqual([['error', 'spec.jwtRules[0].issuer', 'issuer or jwksUri must be non-empty string']]);
    expect(issues(rule('issuer: ""\njwksUri: ""'))).toEqual([['error', 'spec.jwtRules[0].issuer', 'issuer or jwksUri must be non-empty string']]);
    expect(issues(rule('issuer: i\njwksUri: file:///etc/jwks.json'))).toEqual([['error', 'spec.jwtRules[0].jwksUri', 'invalid jwksUri "file:///etc/jwks.json": URI scheme "file" is not supported']]);
    expect(issues(rule('issuer: i\njwks: "not json"'))[0]?.slice(0, 2)).toEqual(['error', 'spec.jwtRules[0].jwks']);
    expect(issues(rule('issuer: i\njwks: \'{"keys": {}}\''))).toEqual([['error', 'spec.jwtRules[0].jwks', 'jwks parse error: a JWKS must be a JSON object with a "keys" array']]);
    expect(issues(rule('issuer: i\njwks: \'{"keys": [{"n": "x"}]}\''))).toEqual([['error', 'spec.jwtRules[0].jwks', 'jwks parse error: keys[0] has no "kty"']]);
    expect(issues(rule('issuer: i\nfromHeaders: [{name: ""}]'))).toEqual([['error', 'spec.jwtRules[0].fromHeaders[0].name', 'location header name must be non-empty string']]);
    expect(issues(rule('issuer: i\nfromParams: [""]'))).toEqual([['error', 'spec.jwtRules[0].fromParams[0]', 'location query must be non-empty string']]);
    expect(issues(rule('issuer: i\nfromCookies: [""]'))).toEqual([['error', 'spec.jwtRules[0].fromCookies[0]', 'cookie name must be non-empty string']]);
    expect(issues(rule('issuer: i\noutputClaimToHeaders: [{header: "", claim: sub}]'))).toEqual([['error', 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'outputClaimToHeaders header and claim value must be non-empty string']]);
    expect(issues(rule('issuer: i\noutputClaimToHeaders: [{header: "x.sub", claim: sub}]'))).toEqual([['error', 'spec.jwtRules[0].outputClaimToHeaders[0].header', 'invalid header name "x.sub": must match ^[-_A-Za-z0-9]+$']]);
    expect(issues(rule('issuer: i\ntimeout: 0s'))).toEqual([['error', 'spec.jwtRules[0].timeout', 'duration must be greater than 1ms']]);
  });

  test('scope: one of selector/targetRef/targetRefs, same-namespace targets only', () => {
    expect(issues(doc('  selector: {matchLabels: {app: a}}\n  targetRef: {kind: Service, name: a}\n'))).toEqual([['error', 'spec.targetRef', 'only one of targetRefs or workloadSelector can be set']]);
    expect(issues(doc('  targetRefs: [{kind: Service, name: a, namespace: bar}]\n'))).toEqual([['error', 'spec.targetRefs[0].namespace', 'cross namespace referencing is not supported']]);
  });

  test('warnings: private key material in an inline JWKS, jwks with jwksUri', () => {
    const priv = '{"keys":[{"kty":"oct","k":"c2VjcmV0"},{"kty":"RSA","e":"AQAB","n":"x","d":"y","p":"z"}]}';
    const r = loadManifest(rule(`issuer: i\njwksUri: https://e.com/jwks\njwks: '${priv}'`));
    expect(r.resources).toHaveLength(1);
    expect(r.issues.map((i) => [i.severity, i.path, i.message])).toEqual([
      ['warning', 'spec.jwtRules[0].jwksUri', 'only one of jwksUri and jwks should be set; jwksUri is ignored when jwks is set'],
      ['warning', 'spec.jwtRules[0].jwks', 'jwks key 0 contains private key material ("k"); an inline JWKS should hold public keys only'],
      ['warning', 'spec.jwtRules[0].jwks', 'jwks key 1 contains private key material ("d", "p"); an inline JWKS should hold public keys only'],
    ]);
  });

  test('helpers', () => {
    expect(jwksUriError).toBe(jwksUriError2);
    expect(jwksUriError('https://example.com/jwks')).toBeUndefined();
    expect(jwksUriError('https://')).toBeDefined();
    expect(parseJwks(PUBLIC_JWKS)).toEqual({ keys: [{ kty: 'RSA', e: 'AQAB', kid: 'k1', n: 'xAE7eB6qugXyCAG3yhh7pkDkT65pHymX' }] });
    expect(parseJwks('[]')).toBe('a JWKS must be a JSON object with a "keys" array');
  });
});
