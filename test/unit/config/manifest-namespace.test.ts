import { describe, expect, test } from 'vitest';
import { loadIdentities, loadManifest } from '../../../src/config/manifest.ts';

// A namespace given for the documents (admin API `?namespace=`, a PUT path, `meshgate -n`) is
// checked like one written in metadata: nothing is loaded under an invalid one.
describe('default namespace', () => {
  const vs = 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: a}\nspec: {hosts: [a.example.com], http: [{directResponse: {status: 200}}]}\n';
  test('an invalid one is an error naming it, and nothing loads', () => {
    for (const load of [loadManifest, loadIdentities]) {
      const r = load(vs, { source: 'request', namespace: 'Bad NS/..' });
      expect(r.issues).toEqual([expect.objectContaining({ severity: 'error', path: 'metadata.namespace', message: expect.stringContaining('invalid namespace "Bad NS/.." given for the documents') })]);
    }
    expect(loadManifest(vs, { namespace: 'Bad NS/..' }).resources).toEqual([]);
  });

  test('a valid one applies to documents without their own', () => {
    expect(loadManifest(vs, { namespace: 'shop' }).resources.map((r) => r.resource.metadata.namespace)).toEqual(['shop']);
  });

  test("one that contradicts a document's own is an error, as kubectl makes it; the same one is fine", () => {
    const own = vs.replace('metadata: {name: a}', 'metadata: {name: a, namespace: team-b}');
    for (const load of [loadManifest, loadIdentities]) {
      const r = load(own, { source: 'request', namespace: 'team-a' });
      expect(r.issues).toEqual([expect.objectContaining({ severity: 'error', path: 'metadata.namespace', message: expect.stringContaining('(team-b) does not match the namespace of the request (team-a)') })]);
      expect(load(own, { source: 'request', namespace: 'team-b' }).issues).toEqual([]);
    }
  });
});

describe('delete', () => {
  test('names an API version only as apply would accept it', () => {
    const pa = 'apiVersion: security.istio.io/v9\nkind: PeerAuthentication\nmetadata: {name: a}\n';
    const r = loadIdentities(pa, { source: 'request' });
    expect([r.identities, r.issues]).toEqual([[], [expect.objectContaining({ severity: 'error', path: 'apiVersion', message: expect.stringContaining('unknown API version security.istio.io/v9') })]]);
  });
});
