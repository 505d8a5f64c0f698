import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';
import type { ServiceEntrySpec } from '../../../../src/config/kinds/networking/service-entry.ts';

const se = (spec: string) => loadManifest(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: e
spec:
${spec}`);
const errors = (spec: string) => se(spec).issues.filter((i) => i.severity === 'error').map((i) => ({ path: i.path, message: i.message }));
const ports = '  ports: [{number: 80, name: http, protocol: HTTP}]\n';

describe('ServiceEntry', () => {
  test('accepts an external HTTPS API with DNS resolution', () => {
    const r = se('  hosts: [api.example.com]\n  ports: [{number: 443, name: https, protocol: HTTPS}]\n  resolution: DNS\n  location: MESH_EXTERNAL\n');
    expect(r.issues).toEqual([]);
    expect((r.resources[0]!.resource.spec as ServiceEntrySpec).resolution).toBe('DNS');
  });

  test('worker: endpoints are accepted for STATIC and DNS resolution', () => {
    for (const res of ['STATIC', 'DNS']) {
      expect(se(`  hosts: [reviews.bookinfo.svc.cluster.local]\n${ports}  resolution: ${res}\n  endpoints:\n  - address: worker:REVIEWS_V1\n    labels: {version: v1}\n`).issues).toEqual([]);
    }
    expect(errors(`  hosts: [a.example.com]\n${ports}  resolution: STATIC\n  endpoints:\n  - address: worker:1BAD\n`)).toEqual([
      { path: 'spec.endpoints[0].address', message: 'endpoint address "worker:1BAD" is not a valid worker binding (worker:NAME, NAME = [A-Za-z_][A-Za-z0-9_]*)' },
    ]);
  });

  test('STATIC endpoints are IPs; endpoint ports name service ports', () => {
    expect(errors(`  hosts: [a.example.com]\n${ports}  resolution: STATIC\n  endpoints:\n  - address: b.example.com\n    ports: {grpc: 9090}\n`)).toEqual([
      { path: 'spec.endpoints[0].address', message: 'endpoint address "b.example.com" is not a valid IP address' },
      { path: 'spec.endpoints[0].ports.grpc', message: 'endpoint port grpc is not defined by the service entry' },
    ]);
  });

  test('resolution rules: NONE, DNS_ROUND_ROBIN, CIDR, DYNAMIC_DNS', () => {
    expect(errors(`  hosts: [a.example.com]\n${ports}  endpoints: [{address: 1.1.1.1}]\n`)[0]?.message).toBe('no endpoints should be provided for resolution type none');
    expect(errors(`  hosts: [a.example.com]\n${ports}  resolution: DNS_ROUND_ROBIN\n  endpoints: [{address: b.example.com}, {address: c.example.com}]\n`)[0]?.message).toBe(
      'there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN',
    );
    expect(errors(`  hosts: [a.example.com]\n  addresses: [10.0.0.0/8]\n${ports}  resolution: DNS\n`)[0]).toEqual({ path: 'spec.addresses', message: 'CIDR addresses are allowed only for NONE/STATIC resolution types' });
    expect(errors(`  hosts: ["*.example.com"]\n${ports}  resolution: DYNAMIC_DNS\n`)).toEqual([]);
    expect(errors(`  hosts: [a.example.com]\n${ports}  resolution: DYNAMIC_DNS\n`)[0]?.message).toBe('DYNAMIC_DNS host must be wildcarded: a.example.com');
  });

  test('hosts: required, no "*", several hosts need HTTP or TLS ports', () => {
    expect(errors(`  hosts: []\n${ports}`)[0]?.message).toBe('service entry must have at least one host');
    expect(errors(`  hosts: ["*"]\n${ports}`)[0]).toEqual({ path: 'spec.hosts[0]', message: 'invalid host *' });
    expect(errors('  hosts: [a.example.com, b.example.com]\n  addresses: [1.1.1.1]\n  ports: [{number: 9000, name: tcp, protocol: TCP}]\n  resolution: DNS\n')[0]?.message).toBe(
      'multiple hosts provided with non-HTTP, non-TLS ports',
    );
  });

  test('duplicate ports, exportTo "~" and the TCP-without-address warning', () => {
    expect(errors('  hosts: [a.example.com]\n  ports: [{number: 80, name: http, protocol: HTTP}, {number: 80, name: http2, protocol: http2}]\n')[0]).toEqual({
      path: 'spec.ports[1].number',
      message: 'service entry port 80 already defined',
    });
    expect(errors(`  hosts: [a.example.com]\n${ports}  exportTo: ["~"]\n`)).toEqual([]);
    const w = se('  hosts: [db.example.com]\n  ports: [{number: 5432, name: pg}]\n  resolution: DNS\n');
    expect(w.resources).toHaveLength(1);
    expect(w.issues).toEqual([expect.objectContaining({ severity: 'warning', path: 'spec.ports[0].protocol' })]);
  });
});
