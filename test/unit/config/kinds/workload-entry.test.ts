import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../../src/config/manifest.ts';

const we = (spec: string) => loadManifest(`apiVersion: networking.istio.io/v1
kind: WorkloadEntry
metadata:
  name: w
spec:
${spec}`);
const issues = (spec: string) => we(spec).issues.map((i) => ({ severity: i.severity, path: i.path, line: i.line, message: i.message }));

describe('WorkloadEntry', () => {
  test.each(['10.0.0.1', '2001:db8::1', 'vm1.example.com', 'unix:///var/run/a.sock', 'unix://@abstract', 'worker:REVIEWS_V1', 'worker:_x9'])('accepts address %s', (a) => {
    expect(issues(`  address: "${a}"\n  labels: {app: a}\n`)).toEqual([]);
  });

  test('rejects bad addresses with Istio wording', () => {
    expect(issues('  address: "bad_host!"\n')).toEqual([{ severity: 'error', path: 'spec.address', line: 6, message: 'endpoint address "bad_host!" is not a valid FQDN or an IP address' }]);
    expect(issues('  labels: {app: a}\n')).toEqual([{ severity: 'error', path: 'spec.address', line: 6, message: 'address is required' }]);
    expect(issues('  address: "worker:has-dash"\n')[0]?.message).toMatch(/not a valid worker binding/);
  });

  test('unix endpoints take no ports; ports are named service ports with valid numbers', () => {
    expect(issues('  address: unix:///a.sock\n  ports: {http: 80}\n')).toEqual([{ severity: 'error', path: 'spec.ports', line: 7, message: 'unix endpoint unix:///a.sock must not include ports' }]);
    expect(issues('  address: 1.2.3.4\n  ports: {http: 0}\n')[0]).toMatchObject({ path: 'spec.ports.http', message: 'port number 0 must be in the range 1..65535' });
  });

  test('no address but a network is a warning', () => {
    const r = we('  network: vpc-1\n');
    expect(r.resources).toHaveLength(1);
    expect(r.issues).toEqual([expect.objectContaining({ severity: 'warning', path: 'spec.network', message: 'address is unset with network vpc-1' })]);
  });
});
