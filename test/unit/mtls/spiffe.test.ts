import { describe, expect, test } from 'vitest';
import { formatSpiffeId, parsePrincipal, parseSpiffeId, toPrincipal } from './helpers.ts';

describe('SPIFFE IDs', () => {
  test('format and parse the Istio form; principal form without the scheme', () => {
    const id = formatSpiffeId('cluster.local', 'bookinfo', 'reviews');
    expect(id).toBe('spiffe://cluster.local/ns/bookinfo/sa/reviews');
    expect(parseSpiffeId(id)).toEqual({ ok: true, id: { trustDomain: 'cluster.local', path: '/ns/bookinfo/sa/reviews', namespace: 'bookinfo', serviceAccount: 'reviews' } });
    expect(toPrincipal(id)).toBe('cluster.local/ns/bookinfo/sa/reviews');
    expect(parsePrincipal('cluster.local/ns/bookinfo/sa/reviews')).toEqual(parseSpiffeId(id));
    // A SPIFFE ID that is not Istio's form is still an ID, without namespace/service account.
    expect(parseSpiffeId('spiffe://example.org/workload/x')).toEqual({ ok: true, id: { trustDomain: 'example.org', path: '/workload/x' } });
  });

  test.each([
    ['http://cluster.local/ns/a/sa/b', 'SPIFFE ID must start with "spiffe://"'],
    ['spiffe:///ns/a/sa/b', 'SPIFFE ID has no trust domain'],
    ['spiffe://Cluster.Local/ns/a/sa/b', 'SPIFFE trust domain "Cluster.Local" may contain only lowercase letters, digits, ".", "-" and "_"'],
    ['spiffe://cluster.local/ns//sa/b', 'SPIFFE ID path cannot have empty segments or a trailing "/"'],
    ['spiffe://cluster.local/ns/a/sa/b/', 'SPIFFE ID path cannot have empty segments or a trailing "/"'],
    ['spiffe://cluster.local/ns/../sa/b', 'SPIFFE ID path cannot have "." or ".." segments'],
    ['spiffe://cluster.local/ns/a%2F/sa/b', 'SPIFFE ID path segment "a%2F" may contain only letters, digits, ".", "-" and "_"'],
    ['spiffe://cluster.local/ns/a/sa/b?x=1', 'SPIFFE ID cannot have a query or fragment'],
  ])('%s is refused', (uri, reason) => {
    expect(parseSpiffeId(uri)).toEqual({ ok: false, reason });
  });

  test('formatting refuses parts that would not make a valid ID', () => {
    expect(() => formatSpiffeId('cluster.local', 'a/b', 'c')).toThrow(/cannot form a SPIFFE ID/);
  });
});
