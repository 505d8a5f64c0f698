import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const vs = (gateways: string, extra = '') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bookinfo, namespace: bookinfo}
spec:
  hosts: [bookinfo.example.com]
  gateways: ${gateways}
  http:
  - ${extra}route:
    - destination: {host: reviews, subset: v1}
`;

describe('VirtualService references (IST0101)', () => {
  test('a Gateway that does not exist', () => {
    const found = withCode(run(doc(BASE, vs('[missing-gateway]'))), 'IST0101');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'error', code: 'IST0101', kind: 'VirtualService', namespace: 'bookinfo', name: 'bookinfo', path: 'spec.gateways[0]', document: 4, message: expect.stringContaining('Referenced gateway not found: "missing-gateway"') }),
    ]);
  });

  test('a bare name for a Gateway in another namespace gets the ns/name to write', () => {
    const other = vs('[bookinfo-gateway]').replace('namespace: bookinfo', 'namespace: shop');
    const [f] = withCode(run(doc(BASE, other)), 'IST0101');
    expect(f).toMatchObject({ path: 'spec.gateways[0]', namespace: 'shop', message: expect.stringContaining('write the reference as "bookinfo/bookinfo-gateway"') });
  });

  test('a per-match gateways entry', () => {
    const found = withCode(run(doc(BASE, vs('[bookinfo-gateway]', 'match: [{gateways: [nope/gw], uri: {prefix: /a}}]\n    '))), 'IST0101');
    expect(found.map((f) => [f.path, f.severity])).toEqual([['spec.http[0].match[0].gateways[0]', 'error']]);
  });

  test('a delegate VirtualService that does not exist', () => {
    const root = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: bookinfo}
spec:
  hosts: [bookinfo.example.com]
  gateways: [bookinfo-gateway]
  http:
  - match: [{uri: {prefix: /reviews}}]
    delegate: {name: reviews-delegate}
`;
    const [f] = withCode(run(doc(BASE, root)), 'IST0101');
    expect(f).toMatchObject({ severity: 'error', path: 'spec.http[0].delegate', message: expect.stringContaining('Referenced virtualservice not found: "bookinfo/reviews-delegate"') });
  });

  test('clean: existing gateway, ns/name form, mesh, existing delegate', () => {
    const delegate = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews-delegate, namespace: bookinfo}
spec:
  http:
  - route:
    - destination: {host: reviews}
`;
    const root = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: root, namespace: bookinfo}
spec:
  hosts: [bookinfo.example.com]
  gateways: [bookinfo-gateway, bookinfo/bookinfo-gateway, mesh]
  http:
  - match: [{uri: {prefix: /reviews}}]
    delegate: {name: reviews-delegate, namespace: bookinfo}
`;
    expect(withCode(run(doc(BASE, delegate, root)), 'IST0101')).toEqual([]);
  });
});
