import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const vs = (name: string, opts: { ns?: string; hosts?: string; gateways?: string; http?: string; created?: string } = {}) => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: ${opts.ns ?? 'bookinfo'}
${opts.created ? `  creationTimestamp: "${opts.created}"\n` : ''}spec:
  hosts: ${opts.hosts ?? '[reviews]'}
${opts.gateways ? `  gateways: ${opts.gateways}\n` : ''}  http:
${opts.http ?? `  - route:
    - destination: {host: reviews}`}
`;

describe('mesh VirtualServices sharing a host (IST0109)', () => {
  test('both VirtualServices are reported', () => {
    const found = withCode(run(doc(BASE, vs('a'), vs('b', { hosts: '[reviews.bookinfo.svc.cluster.local]' }))), 'IST0109');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'error', name: 'a', path: 'spec.hosts[0]', message: expect.stringContaining('The VirtualServices bookinfo/a,bookinfo/b associated with mesh gateway define the same host reviews.bookinfo.svc.cluster.local') }),
      expect.objectContaining({ severity: 'error', name: 'b', path: 'spec.hosts[0]' }),
    ]);
  });

  test('clean: the same short name in two namespaces is two hosts', () => {
    expect(withCode(run(doc(BASE, vs('a'), vs('a', { ns: 'shop' }))), 'IST0109')).toEqual([]);
  });
});

describe('gateway VirtualServices sharing a host (merged)', () => {
  const gw = { gateways: '[bookinfo-gateway]', hosts: '[bookinfo.example.com]' };
  const prefixed = (p: string) => `  - match: [{uri: {prefix: ${p}}}]
    route:
    - destination: {host: reviews}`;

  test('info on the later VirtualService: merged oldest first', () => {
    const issues = run(doc(BASE, vs('zeta', { ...gw, created: '2024-01-01T00:00:00Z', http: prefixed('/a') }), vs('alpha', { ...gw, created: '2024-02-01T00:00:00Z', http: prefixed('/b') })));
    expect(withCode(issues, 'MG0001')).toEqual([
      expect.objectContaining({ severity: 'info', name: 'alpha', path: 'spec.hosts[0]', message: expect.stringContaining('"bookinfo/zeta"\'s routes are tried before these') }),
    ]);
    expect(withCode(issues, 'IST0109')).toEqual([]);
    expect(withCode(issues, 'MG0002')).toEqual([]);
  });

  test('warning when an earlier one has a catch-all route', () => {
    const issues = run(doc(BASE, vs('a', { ...gw }), vs('b', { ...gw, http: `${prefixed('/b')}\n  - route:\n    - destination: {host: reviews}` })));
    expect(withCode(issues, 'MG0002')).toEqual([
      expect.objectContaining({ severity: 'warning', code: 'MG0002', name: 'b', path: 'spec.http[1]', message: expect.stringContaining('never match') }),
    ]);
    expect(withCode(issues, 'MG0001')).toEqual([]);
  });

  test('clean: different hosts on one gateway', () => {
    const issues = run(doc(BASE, vs('a', { ...gw }), vs('b', { gateways: '[bookinfo-gateway]', hosts: '[shop.example.com]' })));
    expect([...withCode(issues, 'MG0001'), ...withCode(issues, 'MG0002'), ...withCode(issues, 'IST0109')]).toEqual([]);
  });
});
