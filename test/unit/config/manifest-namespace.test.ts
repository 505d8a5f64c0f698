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
});
