import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const ap = (rules: string, ns = 'bookinfo') => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: policy, namespace: ${ns}}
spec:
  rules:
${rules}
`;
const ra = (ns: string) => `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: {name: jwt, namespace: ${ns}}
spec:
  jwtRules:
  - issuer: https://issuer.example.com
    jwksUri: https://issuer.example.com/jwks.json
`;

describe('AuthorizationPolicy sources naming unknown namespaces (MG0005)', () => {
  test('namespaces and principals', () => {
    const found = withCode(run(doc(BASE, ap(`  - from:
    - source:
        namespaces: [bookinfo, bookinf0, "prod-*"]
    - source:
        principals: [cluster.local/ns/bookinfo/sa/reviews, cluster.local/ns/stagign/sa/web]`))), 'MG0005');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'info', path: 'spec.rules[0].from[0].source.namespaces[1]', message: expect.stringContaining('namespace "bookinf0" has no resources') }),
      expect.objectContaining({ severity: 'info', path: 'spec.rules[0].from[0].source.namespaces[2]' }),
      expect.objectContaining({ severity: 'info', path: 'spec.rules[0].from[1].source.principals[1]', message: expect.stringContaining('names namespace "stagign"') }),
    ]);
  });

  test('clean: known namespaces, wildcards matching one, istio-system', () => {
    expect(withCode(run(doc(BASE, ap(`  - from:
    - source:
        namespaces: [bookinfo, "book*", istio-system, "*"]
        notNamespaces: [whatever]`))), 'MG0005')).toEqual([]);
  });
});

describe('JWT conditions without a RequestAuthentication (MG0006)', () => {
  const jwtRules = `  - from:
    - source:
        requestPrincipals: ["https://issuer.example.com/*"]
    when:
    - key: request.auth.claims[groups]
      values: [admin]`;

  test('requestPrincipals and request.auth conditions never match', () => {
    const found = withCode(run(doc(BASE, ap(jwtRules))), 'MG0006');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.rules[0].from[0].source.requestPrincipals', message: expect.stringContaining('no RequestAuthentication with jwtRules applies in namespace bookinfo or the root namespace istio-system') }),
      expect.objectContaining({ severity: 'warning', path: 'spec.rules[0].when[0].key' }),
    ]);
  });

  test('a RequestAuthentication in a namespace the policy does not see does not count', () => {
    expect(withCode(run(doc(BASE, ra('shop'), ap(jwtRules))), 'MG0006')).toHaveLength(2);
  });

  test('clean: RequestAuthentication in the policy namespace or the root namespace (default or from MeshConfig)', () => {
    expect(withCode(run(doc(BASE, ra('bookinfo'), ap(jwtRules))), 'MG0006')).toEqual([]);
    expect(withCode(run(doc(BASE, ra('istio-system'), ap(jwtRules))), 'MG0006')).toEqual([]);
    expect(withCode(run(doc(BASE, ra('mesh-root'), ap(jwtRules)), { meshConfig: { rootNamespace: 'mesh-root' } }), 'MG0006')).toEqual([]);
  });
});
