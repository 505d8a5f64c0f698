import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import type { DestinationRuleSpec } from '../../../../src/config/kinds/networking/destination-rule.ts';

const dr = (spec: string, ns = 'default') => loadManifest(`apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: r
  namespace: ${ns}
spec:
${spec}`);
const issues = (spec: string, ns?: string) => dr(spec, ns).issues.map((i) => ({ severity: i.severity, path: i.path, line: i.line, message: i.message }));

describe('DestinationRule', () => {
  test('accepts subsets, a full traffic policy and keeps values as written', () => {
    const r = dr(`  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash:
        httpCookie: {name: user, ttl: 0s}
        maglev: {tableSize: 65537}
      warmup: {duration: 60s}
    connectionPool:
      tcp: {maxConnections: 100, connectTimeout: 30ms, idleTimeout: 0s}
      http: {http2MaxRequests: 1000, maxRequestsPerConnection: 10, http2KeepAlive: {interval: 30s, timeout: 5s}}
    outlierDetection: {consecutive5xxErrors: 7, interval: 5m, baseEjectionTime: 15m, maxEjectionPercent: 100}
    portLevelSettings:
    - port: {number: 9080}
      loadBalancer: {simple: LEAST_CONN}
    retryBudget: {percent: 20, minRetryConcurrency: 3, budgetInterval: 10s}
  subsets:
  - name: v1
    labels: {version: v1}
    trafficPolicy:
      tls: {mode: ISTIO_MUTUAL}
`);
    // Fields a Worker cannot execute are accepted and named once (info), never dropped silently.
    expect(r.issues.map((i) => [i.severity, i.path])).toEqual([
      ['info', 'spec.trafficPolicy.connectionPool.tcp.connectTimeout'],
      ['info', 'spec.trafficPolicy.connectionPool.tcp.idleTimeout'],
      ['info', 'spec.trafficPolicy.connectionPool.http.maxRequestsPerConnection'],
      ['info', 'spec.trafficPolicy.connectionPool.http.http2KeepAlive'],
      ['info', 'spec.trafficPolicy.loadBalancer.warmup'],
    ]);
    expect(r.issues[0]?.message).toMatch(/^connectTimeout has no effect at meshgate's gateways: fetch has no separate connect phase/);
    const spec = r.resources[0]!.resource.spec as DestinationRuleSpec;
    expect(spec.trafficPolicy?.connectionPool?.tcp?.connectTimeout).toBe('30ms');
    expect(spec.subsets?.[0]?.trafficPolicy?.tls?.mode).toBe('ISTIO_MUTUAL');
  });

  test('subset names: duplicates and syntax', () => {
    expect(issues(`  host: reviews
  subsets:
  - name: v1
  - name: v1
  - name: V_2
`)).toEqual([
      { severity: 'error', path: 'spec.subsets[2].name', line: 11, message: 'subset name is invalid: V_2' },
      { severity: 'error', path: 'spec.subsets[1].name', line: 10, message: 'duplicate subset names: v1' },
    ]);
  });

  test('maglev table size must be a prime below 5000011', () => {
    const lb = (n: number) => issues(`  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true, maglev: {tableSize: ${n}}}
`);
    expect(lb(65537)).toEqual([]);
    expect(lb(4999999).filter((i) => i.severity === 'error')).toEqual([]); // the largest prime below the limit (capped at the gateways, below)
    expect(lb(65536)[0]).toMatchObject({ path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', message: 'tableSize must be a prime number for maglev' });
    expect(lb(5000011)[0]?.message).toBe('tableSize must be less than 5000011 for maglev');
  });

  test('a ring larger than the gateways can build is accepted with a warning (capped)', async () => {
    const ring = (spec: string) => issues(`  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true, ${spec}}
`);
    expect(ring('ringHash: {minimumRingSize: 1048576}')).toEqual([]);
    expect(ring('ringHash: {minimumRingSize: 4000000}')).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.trafficPolicy.loadBalancer.consistentHash.ringHash.minimumRingSize', message: "a ring of 4000000 points does not fit a Worker isolate's memory: meshgate's gateways build at most 1048576" }),
    ]);
    expect(ring('minimumRingSize: 4000000')[0]).toMatchObject({ severity: 'warning', path: 'spec.trafficPolicy.loadBalancer.consistentHash.minimumRingSize' });
    // The config layer's number is the gateways' own.
    const { RING_SIZE_CAP } = await import('../../../../src/gateway/upstream/lb.ts');
    const { RING_SIZE_CAP: configCap } = await import('../../../../src/config/kinds/networking/destination-rule.ts');
    expect(configCap).toBe(RING_SIZE_CAP);
  });

  test('a maglev table larger than the gateways build is accepted with a warning (capped)', async () => {
    const maglev = (size: number) => issues(`  host: reviews
  trafficPolicy:
    loadBalancer:
      consistentHash: {useSourceIp: true, maglev: {tableSize: ${size}}}
`);
    expect(maglev(65537)).toEqual([]);
    expect(maglev(1048573)).toEqual([]);
    expect(maglev(4999999)).toEqual([
      expect.objectContaining({ severity: 'warning', path: 'spec.trafficPolicy.loadBalancer.consistentHash.maglev.tableSize', message: "a maglev table of 4999999 entries does not fit a Worker isolate's memory: meshgate's gateways build at most 1048573" }),
    ]);
    const { MAGLEV_SIZE_CAP } = await import('../../../../src/gateway/upstream/lb.ts');
    const { MAGLEV_SIZE_CAP: configCap } = await import('../../../../src/config/kinds/networking/destination-rule.ts');
    expect(configCap).toBe(MAGLEV_SIZE_CAP);
  });

  test('traffic policy and connection pool must not be empty; tunnel excludes proxyProtocol', () => {
    expect(issues('  host: a.example.com\n  trafficPolicy: {}\n')).toEqual([{ severity: 'error', path: 'spec.trafficPolicy', line: 8, message: 'traffic policy must have at least one field' }]);
    expect(issues('  host: a.example.com\n  trafficPolicy: {connectionPool: {}}\n')[0]?.message).toBe('connection pool must have at least one field');
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    tunnel: {targetHost: b.example.com, targetPort: 8080}\n    proxyProtocol: {version: V1}\n')).toEqual([
      { severity: 'error', path: 'spec.trafficPolicy.proxyProtocol', line: 10, message: 'tunnel and proxyProtocol must not be set together' },
    ]);
  });

  test('client TLS: MUTUAL needs cert and key unless credentialName; credentialName excludes files', () => {
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    tls: {mode: MUTUAL}\n').map((i) => i.message)).toEqual(['client certificate required for mutual tls', 'private key required for mutual tls']);
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    tls: {mode: MUTUAL, credentialName: c}\n')).toEqual([]);
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    tls: {mode: MUTUAL, credentialName: c, privateKey: /k.pem}\n')[0]).toMatchObject({
      path: 'spec.trafficPolicy.tls.credentialName',
      message: 'cannot specify client certificates or CA certificate or CA CRL If credentialName is set',
    });
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    tls: {mode: SIMPLE, insecureSkipVerify: true, caCertificates: /ca.pem}\n')[0]?.message).toBe(
      'cannot specify CaCertificates or CredentialName or SubjectAltNames when InsecureSkipVerify is set true',
    );
  });

  test('a workloadSelector limits exportTo to the own namespace', () => {
    const sel = '  host: a.example.com\n  workloadSelector: {matchLabels: {app: x}}\n';
    expect(issues(`${sel}  exportTo: ["."]\n`, 'shop')).toEqual([]);
    expect(issues(`${sel}  exportTo: [shop]\n`, 'shop')).toEqual([]);
    expect(issues(`${sel}  exportTo: [other]\n`, 'shop')).toEqual([
      { severity: 'error', path: 'spec.exportTo[0]', line: 9, message: 'destination rule with workload selector cannot have exportTo beyond current namespace' },
    ]);
    expect(issues('  host: a.example.com\n  exportTo: [".", shop]\n', 'shop')[0]?.message).toBe('duplicate entries in exportTo: . and current namespace shop');
  });

  test('outlier detection rules and the consecutiveErrors warning', () => {
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    outlierDetection: {consecutiveLocalOriginFailures: 2}\n')[0]?.message).toMatch(/split external local origin errors is set to false/);
    const w = dr('  host: a.example.com\n  trafficPolicy:\n    outlierDetection: {consecutiveErrors: 5}\n');
    expect(w.resources).toHaveLength(1);
    expect(w.issues).toEqual([expect.objectContaining({ severity: 'warning', path: 'spec.trafficPolicy.outlierDetection.consecutiveErrors' })]);
  });

  test('deprecated fields are accepted: LEAST_CONN, minimumRingSize, warmupDurationSecs', () => {
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    loadBalancer: {simple: LEAST_CONN, warmupDurationSecs: 30s}\n').map((i) => [i.severity, i.path])).toEqual([['info', 'spec.trafficPolicy.loadBalancer.warmupDurationSecs']]);
    expect(issues('  host: a.example.com\n  trafficPolicy:\n    loadBalancer: {consistentHash: {httpHeaderName: x-user, minimumRingSize: 2048}}\n')).toEqual([]);
  });
});
