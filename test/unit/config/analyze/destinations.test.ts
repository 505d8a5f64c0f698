import { describe, expect, test } from 'vitest';
import { BASE, doc, run, withCode } from './helpers.ts';

const vs = (http: string, ns = 'bookinfo') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: ${ns}}
spec:
  hosts: [reviews]
  http:
${http}
`;

describe('destination hosts without a ServiceEntry (IST0101)', () => {
  test('route, mirror and mirrors destinations', () => {
    const found = withCode(
      run(doc(BASE, vs(`  - route:
    - destination: {host: ratings}
    mirror: {host: shadow.internal}
  - route:
    - destination: {host: reviews}
    mirrors:
    - destination: {host: reviews-shadow}`))),
      'IST0101',
    );
    expect(found.map((f) => [f.path, f.severity])).toEqual([
      ['spec.http[0].route[0].destination.host', 'error'],
      ['spec.http[0].mirror.host', 'error'],
      ['spec.http[1].mirrors[0].destination.host', 'error'],
    ]);
    expect(found[0]!.message).toContain('Referenced host not found: "ratings.bookinfo.svc.cluster.local"');
    expect(found[0]!.message).toContain('Add a ServiceEntry');
  });

  test('tcp route destination', () => {
    const tcp = `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: bookinfo}
spec:
  hosts: [db.bookinfo.svc.cluster.local]
  tcp:
  - route:
    - destination: {host: db.bookinfo.svc.cluster.local, port: {number: 5432}}
`;
    expect(withCode(run(doc(BASE, tcp)), 'IST0101').map((f) => f.path)).toEqual(['spec.tcp[0].route[0].destination.host']);
  });

  test('clean: short name resolved in the namespace, wildcard ServiceEntry host, WorkloadEntry-backed entry', () => {
    const weBacked = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: details, namespace: bookinfo}
spec:
  hosts: [details.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: STATIC
  ports: [{number: 9080, name: http, protocol: HTTP}]
  workloadSelector: {labels: {app: details}}
---
apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata: {name: details-vm, namespace: bookinfo}
spec:
  address: 10.0.0.1
  labels: {app: details}
`;
    const issues = run(doc(BASE, weBacked, vs(`  - route:
    - destination: {host: reviews}
    mirror: {host: api.example.com}
  - route:
    - destination: {host: details}`)));
    expect(withCode(issues, 'IST0101')).toEqual([]);
  });

  test('a ServiceEntry short host is not expanded (Istio), so a short destination does not reach it', () => {
    const redis = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: redis, namespace: bookinfo}
spec:
  hosts: [redis]
  resolution: DNS
  ports: [{number: 6379, name: tcp, protocol: TCP}]
`;
    const found = withCode(run(doc(BASE, redis, vs(`  - route:
    - destination: {host: redis}`))), 'IST0101');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('"redis.bookinfo.svc.cluster.local" ("redis" resolved in namespace bookinfo)')]);
  });

  test('a short name resolves against the VirtualService namespace, not the host', () => {
    const found = withCode(run(doc(BASE, vs(`  - route:
    - destination: {host: reviews}`, 'shop'))), 'IST0101');
    expect(found.map((f) => f.message)).toEqual([expect.stringContaining('"reviews.shop.svc.cluster.local" ("reviews" resolved in namespace shop)')]);
  });
});

describe('destination ports (Istio checkServiceEntryPorts)', () => {
  const multi = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings, namespace: bookinfo}
spec:
  hosts: [ratings.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [{number: 9080, name: http, protocol: HTTP}, {number: 9090, name: http-admin, protocol: HTTP}]
`;
  test('IST0112: a service with several ports and no destination port', () => {
    const found = withCode(run(doc(BASE, multi, vs(`  - route:
    - destination: {host: ratings}`))), 'IST0112');
    expect(found.map((f) => [f.path, f.severity])).toEqual([['spec.http[0].route[0].destination', 'error']]);
    expect(found[0]!.message).toContain('exposes multiple ports [9080 9090]');
  });

  test('IST0101 host:port: a port the service does not declare', () => {
    const found = withCode(run(doc(BASE, multi, vs(`  - route:
    - destination: {host: ratings, port: {number: 8080}}
    mirror: {host: reviews, port: {number: 9080}}`))), 'IST0101');
    expect(found.map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.port.number']);
    expect(found[0]!.message).toContain('Referenced host:port not found: "ratings.bookinfo.svc.cluster.local:8080"');
  });

  test('the ports are those of the entry the gateways use (Istio ranking: istio-system first), not every entry\'s', () => {
    const inRoot = `
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: ratings-root, namespace: istio-system}
spec:
  hosts: [ratings.bookinfo.svc.cluster.local]
  location: MESH_INTERNAL
  resolution: DNS
  ports: [{number: 9080, name: http, protocol: HTTP}]
`;
    const found = withCode(run(doc(BASE, multi, inRoot, vs(`  - route:
    - destination: {host: ratings, port: {number: 9090}}`))), 'IST0101');
    expect(found.map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.port.number']);
    expect(found[0]!.message).toContain('(ServiceEntry istio-system/ratings-root, which the gateways use for it, declares ports 9080)');
  });

  test('clean: a port named, or a single-port service', () => {
    const issues = run(doc(BASE, multi, vs(`  - route:
    - destination: {host: ratings, port: {number: 9090}}
      weight: 50
    - destination: {host: reviews}
      weight: 50`)));
    expect([...withCode(issues, 'IST0112'), ...withCode(issues, 'IST0101')]).toEqual([]);
  });
});

describe('destination subsets no DestinationRule defines (IST0101)', () => {
  test('undefined subset on a route and on a mirror', () => {
    const found = withCode(
      run(doc(BASE, vs(`  - route:
    - destination: {host: reviews, subset: v3}
    mirror: {host: reviews, subset: v9}`))),
      'IST0101',
    );
    expect(found).toEqual([
      expect.objectContaining({ severity: 'error', path: 'spec.http[0].route[0].destination.subset', message: expect.stringContaining('Referenced host+subset in destinationrule not found: "reviews.bookinfo.svc.cluster.local+v3"') }),
      expect.objectContaining({ severity: 'error', path: 'spec.http[0].mirror.subset' }),
    ]);
    expect(found[0]!.message).toContain('subsets "v1", "v2"');
  });

  test('no DestinationRule at all for the host', () => {
    const [f] = withCode(run(doc(BASE, vs(`  - route:
    - destination: {host: api.example.com, subset: v1}`))), 'IST0101');
    expect(f).toMatchObject({ path: 'spec.http[0].route[0].destination.subset', message: expect.stringContaining('no DestinationRule applies to this host') });
  });

  test('the most specific DestinationRule host decides', () => {
    const rules = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: wide, namespace: bookinfo}
spec:
  host: "*.example.com"
  subsets: [{name: canary, labels: {track: canary}}]
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: api, namespace: bookinfo}
spec:
  host: api.example.com
  subsets: [{name: stable, labels: {track: stable}}]
`;
    const found = withCode(run(doc(BASE, rules, vs(`  - route:
    - destination: {host: api.example.com, subset: canary}
      weight: 40
    - destination: {host: api.example.com, subset: stable}
      weight: 40
    - destination: {host: web.example.com, subset: canary}
      weight: 20`))), 'IST0101');
    expect(found.map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.subset']);
  });

  // The translator's lookup for the gateways (istio-system): istio-system's private rules, then the
  // service's namespace, then the root namespace's exported rules; rules selecting the gateway first.
  const rootRule = (name: string, extra: string, subset: string) => `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ${name}, namespace: istio-system}
spec:
  host: ${name === 'mesh-wide' ? '"*.local"' : 'reviews.bookinfo.svc.cluster.local'}
${extra}
  subsets: [{name: ${subset}, labels: {version: ${subset}}}]
`;
  const onGateway = (subset: string, gateways = '[bookinfo-gateway]') => `
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: reviews, namespace: bookinfo}
spec:
  hosts: [reviews]
  gateways: ${gateways}
  http:
  - route:
    - destination: {host: reviews, subset: ${subset}}
`;

  test('a private istio-system rule hides the service namespace\'s subsets from the gateways', () => {
    const found = withCode(run(doc(BASE, rootRule('private', '  exportTo: ["."]', 'v9'), onGateway('v1'))), 'IST0101');
    expect(found.map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.subset']);
    expect(found[0]!.message).toContain('istio-system/private');
    expect(withCode(run(doc(BASE, rootRule('private', '  exportTo: ["."]', 'v9'), onGateway('v9'))), 'IST0101')).toEqual([]);
  });

  test('a public mesh-wide rule in istio-system does not hide the service namespace\'s rule', () => {
    expect(withCode(run(doc(BASE, rootRule('mesh-wide', '', 'v9'), onGateway('v1'))), 'IST0101')).toEqual([]);
    expect(withCode(run(doc(BASE, rootRule('mesh-wide', '', 'v9'), onGateway('v9'))), 'IST0101').map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.subset']);
  });

  test('a rule selecting one gateway serves that gateway\'s routes only', () => {
    const ingressOnly = rootRule('ingress', '  workloadSelector: {matchLabels: {istio: ingressgateway}}', 'v9');
    expect(withCode(run(doc(BASE, ingressOnly, onGateway('v9'))), 'IST0101')).toEqual([]);
    // Mesh routes run at the egress gateway, which the rule does not select: bookinfo's rule applies.
    expect(withCode(run(doc(BASE, ingressOnly, onGateway('v9', '[mesh]'))), 'IST0101').map((f) => f.path)).toEqual(['spec.http[0].route[0].destination.subset']);
  });

  test('clean: subsets defined (DR short host, merged rules)', () => {
    const more = `
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: reviews-v3, namespace: bookinfo}
spec:
  host: reviews.bookinfo.svc.cluster.local
  subsets: [{name: v3, labels: {version: v3}}]
`;
    const issues = run(doc(BASE, more, vs(`  - route:
    - destination: {host: reviews, subset: v1}
      weight: 50
    - destination: {host: reviews, subset: v3}
      weight: 50`)));
    expect(withCode(issues, 'IST0101')).toEqual([]);
  });
});
