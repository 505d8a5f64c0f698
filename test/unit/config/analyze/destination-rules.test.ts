import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const dr = (name: string, body: string, ns = 'bookinfo', created?: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: ${ns}
${created ? `  creationTimestamp: "${created}"\n` : ''}spec:
${body}
`;

describe('DestinationRule host matching no ServiceEntry (IST0174)', () => {
  test('a misspelt host', () => {
    const found = withCode(run(doc(BASE, dr('reveiws', '  host: reveiws'))), 'IST0174');
    expect(found).toEqual([
      expect.objectContaining({ severity: 'warning', kind: 'DestinationRule', name: 'reveiws', path: 'spec.host', message: expect.stringContaining('The host reveiws defined in the DestinationRule does not match any services in the mesh') }),
    ]);
    expect(found[0]!.message).toContain('Nothing routes to it either');
  });

  test('clean: exact, short, wildcard-covered and wildcard-overlapping hosts', () => {
    const rules = doc(dr('a', '  host: reviews'), dr('b', '  host: api.example.com'), dr('c', '  host: "*.bookinfo.svc.cluster.local"'));
    expect(withCode(run(doc(BASE, rules)), 'IST0174')).toEqual([]);
  });
});

describe('DestinationRules merged for one host in one namespace (MG0003)', () => {
  const policy = (lb: string) => `  host: reviews\n  trafficPolicy:\n    loadBalancer: {simple: ${lb}}`;

  test('the later trafficPolicy is ignored', () => {
    const found = withCode(run(doc(BASE, dr('first', policy('ROUND_ROBIN'), 'bookinfo', '2024-01-01T00:00:00Z'), dr('another', policy('RANDOM'), 'bookinfo', '2024-03-01T00:00:00Z'))), 'MG0003');
    expect(found.filter((f) => f.severity === 'warning')).toEqual([
      expect.objectContaining({ name: 'another', path: 'spec.trafficPolicy', message: expect.stringContaining('the trafficPolicy of the oldest one with a policy (bookinfo/first) wins') }),
    ]);
  });

  test('a subset defined twice', () => {
    const found = withCode(run(doc(BASE, dr('zz-more', '  host: reviews.bookinfo.svc.cluster.local\n  subsets: [{name: v1, labels: {version: v1b}}]'))), 'MG0003');
    expect(found).toEqual([expect.objectContaining({ severity: 'warning', name: 'zz-more', path: 'spec.subsets[0].name', message: expect.stringContaining('subset "v1" for host reviews.bookinfo.svc.cluster.local is already defined by DestinationRule bookinfo/reviews') })]);
  });

  test('info when nothing is lost', () => {
    const found = withCode(run(doc(BASE, dr('zz-v3', '  host: reviews\n  subsets: [{name: v3, labels: {version: v3}}]'))), 'MG0003');
    expect(found).toEqual([expect.objectContaining({ severity: 'info', name: 'zz-v3', path: 'spec.host' })]);
  });

  test('clean: other namespace, or a workloadSelector', () => {
    const other = dr('reviews', '  host: reviews.bookinfo.svc.cluster.local\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}', 'shop');
    const scoped = dr('scoped', '  host: reviews\n  workloadSelector: {matchLabels: {app: productpage}}\n  trafficPolicy: {loadBalancer: {simple: RANDOM}}');
    expect(withCode(run(doc(BASE, other, scoped)), 'MG0003')).toEqual([]);
  });
});
