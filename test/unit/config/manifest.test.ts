import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';

describe('loadManifest', () => {
  test('YAML stream, JSON array and List give one resource each, canonical apiVersion, default namespace', () => {
    const yaml = `apiVersion: networking.istio.io/v1beta1
kind: VirtualService
metadata: {name: a}
spec: {hosts: [a.example.com], http: [{route: [{destination: {host: a}}]}]}
---
---
apiVersion: v1
kind: List
items:
- apiVersion: networking.istio.io/v1alpha3
  kind: Gateway
  metadata: {name: b, namespace: istio-system}
  spec: {servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ["*"]}]}
`;
    const r = loadManifest(yaml);
    expect(r.issues).toEqual([]);
    expect(r.resources.map((x) => [x.resource.apiVersion, x.resource.kind, x.resource.metadata.namespace, x.resource.metadata.name, x.document, x.requestedApiVersion])).toEqual([
      ['networking.istio.io/v1', 'VirtualService', 'default', 'a', 0, 'networking.istio.io/v1beta1'],
      ['networking.istio.io/v1', 'Gateway', 'istio-system', 'b', 1, 'networking.istio.io/v1alpha3'],
    ]);
    const json = JSON.stringify([{ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'p' }, spec: {} }]);
    expect(loadManifest(json).resources[0]?.resource.kind).toBe('PeerAuthentication');
  });

  test('unknown field names document, path, line, column and the nearest field', () => {
    const r = loadManifest(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: a
  namspace: x
spec: {hosts: [a.example.com], http: [{route: [{destination: {host: a}}]}]}
`);
    expect(r.resources).toEqual([]);
    expect(r.issues).toEqual([
      expect.objectContaining({ severity: 'error', document: 0, kind: 'VirtualService', name: 'a', path: 'metadata.namspace', line: 5, column: 3, message: 'unknown field "namspace" (did you mean "namespace"?)' }),
    ]);
  });

  test('bad YAML, missing kind, unknown kind and version, duplicates are clear errors', () => {
    expect(loadManifest('a: [1,\n').issues[0]?.message).toMatch(/invalid YAML/);
    expect(loadManifest('apiVersion: v1\nmetadata: {name: a}\n').issues[0]?.message).toMatch(/missing kind/);
    expect(loadManifest('apiVersion: networking.istio.io/v1\nkind: VirtualServce\nmetadata: {name: a}\n').issues[0]?.message).toMatch(/did you mean "VirtualService"/);
    expect(loadManifest('apiVersion: networking.istio.io/v2\nkind: VirtualService\nmetadata: {name: a}\n').issues[0]?.message).toMatch(/served versions: networking.istio.io\/v1, /);
    const dup = loadManifest('apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata: {name: a}\n---\napiVersion: security.istio.io/v1beta1\nkind: PeerAuthentication\nmetadata: {name: a, namespace: default}\n');
    expect(dup.issues).toEqual([expect.objectContaining({ document: 1, line: 7, message: expect.stringMatching(/duplicate resource.*document 0/) })]);
  });

  test("documents that are not Istio configuration are skipped with a warning; the Istio ones still apply (kubectl applies each to its own API)", () => {
    const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: [a.example.com], http: [{route: [{destination: {host: a}}]}]}\n';
    const r = loadManifest(`apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: 1}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata: {k: v}\n---\n${vs}`);
    expect(r.resources.map((x) => x.resource.kind)).toEqual(['VirtualService']);
    expect(r.issues.map((i) => [i.severity, i.document, i.line, i.message.split(':')[0]])).toEqual([
      ['warning', 0, 2, 'skipped Deployment (apps/v1)'], ['warning', 1, 7, 'skipped Service (v1)'], ['warning', 2, 12, 'skipped ConfigMap default/app'],
    ]);
    // Still errors: a typo in an Istio group, an Istio kind in the wrong group, a misplaced MeshConfig.
    expect(loadManifest('apiVersion: networking.istio.io/v1\nkind: EnvoyFilter\nmetadata: {name: a}\n').issues.map((i) => i.severity)).toEqual(['error']);
    expect(loadManifest('apiVersion: v1\nkind: VirtualService\nmetadata: {name: a}\n').issues.map((i) => i.severity)).toEqual(['error']);
    expect(loadManifest('apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio}\ndata: {mesh: "{}"}\n').issues.map((i) => i.severity)).toEqual(['error']);
  });

  test('alias bombs and oversize input are refused, not expanded', () => {
    const bomb = 'a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n';
    expect(loadManifest(bomb).issues[0]?.message).toMatch(/invalid YAML|alias/i);
    expect(loadManifest('x'.repeat(100), { maxBytes: 10 }).issues[0]?.message).toMatch(/more than the 10 allowed/);
  });
});

test("a YAML syntax error is numbered as the other errors are: by resource, Lists expanded", () => {
  const list = `apiVersion: v1
kind: List
items:
- {apiVersion: security.istio.io/v1, kind: PeerAuthentication, metadata: {name: a}, spec: {}}
- {apiVersion: security.istio.io/v1, kind: PeerAuthentication, metadata: {name: b}, spec: {}}
---
a: {b: [
`;
  const [issue] = loadManifest(list).issues;
  expect(issue).toMatchObject({ document: 2, line: 8, message: expect.stringMatching(/^invalid YAML: /) });
  expect(issue!.message).not.toMatch(/document/);
});
