import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { RunningMesh } from '../../src/cli/dev/mesh.ts';
import { main } from '../../src/cli/main.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { testMesh } from './support/mesh.ts';
import { send } from './support/upstreams.ts';

// The CLI against a real local mesh: apply/get/diff/delete, proxy-status, proxy-config, ca.
let mesh: RunningMesh;
const repo = join(import.meta.dirname, '../..');

async function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const io: CliIO = { stdout: (t) => void (out += t), stderr: (t) => void (err += t), readStdin: async () => '', cwd: repo, env: {} };
  const code = await main([...argv, '--server', mesh.adminUrl, '--token', mesh.token], io);
  return { code, out, err };
}

beforeAll(async () => {
  mesh = await testMesh();
}, 120_000);
afterAll(async () => mesh?.stop());

describe('meshgate CLI against a running mesh', () => {
  test('apply -f a folder: created, then unchanged; get lists them like kubectl', async () => {
    const first = await cli('apply', '-f', 'examples/bookinfo/services.yaml', '-f', 'examples/bookinfo/bookinfo-gateway.yaml', '-f', 'examples/bookinfo/destination-rule-all.yaml');
    expect(first.code).toBe(0);
    expect(first.out).toContain('virtualservice.networking.istio.io/bookinfo created');
    expect(first.out).toContain('destinationrule.networking.istio.io/reviews created');
    const again = await cli('apply', '-f', 'examples/bookinfo/bookinfo-gateway.yaml');
    expect(again.out).toContain('virtualservice.networking.istio.io/bookinfo unchanged');
    const vs = await cli('get', 'vs');
    expect(vs.out).toMatch(/NAME\s+GATEWAYS\s+HOSTS\s+AGE/);
    expect(vs.out).toMatch(/bookinfo\s+\["bookinfo-gateway"\]\s+\["\*"\]/);
    const missing = await cli('get', 'vs', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('virtualservices.networking.istio.io "nope" not found');
  });

  test('diff shows what apply would change; delete removes', async () => {
    const same = await cli('diff', '-f', 'examples/bookinfo/destination-rule-all.yaml');
    expect(same.code).toBe(0);
    const changed = await cli('diff', '-f', 'examples/bookinfo/virtual-service-reviews-50-v3.yaml');
    expect(changed.code).toBe(1);
    expect(changed.out).toContain('reviews');
    await cli('apply', '-f', 'examples/bookinfo/virtual-service-reviews-50-v3.yaml');
    const del = await cli('delete', 'vs', 'reviews');
    expect(del.code).toBe(0);
    expect((await cli('get', 'vs', 'reviews')).code).toBe(1);
  });

  test('proxy-status shows both gateways SYNCED; proxy-config routes shows the bookinfo routes', async () => {
    await Promise.all([mesh.ingressUrl, mesh.egressUrl].map((u) => send(u, '/healthz/ready', { host: 'meshgate.status' })));
    const ps = await cli('proxy-status');
    expect(ps.code).toBe(0);
    expect(ps.out).toMatch(/istio-ingressgateway\s+ingress\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/);
    expect(ps.out).toMatch(/istio-egressgateway\s+egress/);
    const routes = await cli('proxy-config', 'routes', 'istio-ingressgateway');
    expect(routes.out).toContain('/productpage');
    const json = await cli('proxy-config', 'clusters', 'istio-ingressgateway', '-o', 'json');
    const clusters = JSON.parse(json.out) as { name: string }[];
    expect(clusters.map((c) => c.name)).toContain('outbound|9080||productpage.default.svc.cluster.local');
  });

  test('proxy-config --watch over the WebSocket reprints on a push and exits 0 on the first Ctrl-C', async () => {
    // A separate process: only a real exit shows the control plane completed the close handshake
    // (a client left in CLOSING kept the watch alive after Ctrl-C).
    const child = spawn(process.execPath, [join(repo, 'bin/meshgate.js'), 'proxy-config', 'clusters', 'istio-egressgateway', '--watch', '--server', mesh.adminUrl, '--token', mesh.token], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const probe = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: watch-probe, namespace: istio-system}
spec: {hosts: [watch-probe.example.com], location: MESH_EXTERNAL, resolution: DNS, ports: [{number: 80, name: http, protocol: HTTP}]}
`;
    try {
      let out = '';
      let err = '';
      let wake = () => {};
      child.stderr.on('data', (d) => (err += d));
      child.stdout.on('data', (d) => {
        out += d;
        wake();
      });
      const printed = (text: string) =>
        new Promise<void>((resolve, reject) => {
          wake = () => out.includes(text) && resolve();
          wake();
          child.once('exit', () => reject(new Error(`watch exited early: ${err}`)));
        });
      await printed('SERVICE FQDN');
      // Only the WebSocket stream reprints: once it has, the stream is open and Ctrl-C is handled.
      await mesh.apply(probe);
      await printed('watch-probe.example.com');
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(err).not.toContain('polling');
    } finally {
      child.kill('SIGKILL');
      await fetch(`${mesh.adminUrl}/v1/delete`, { method: 'POST', headers: { authorization: `Bearer ${mesh.token}` }, body: probe });
    }
  }, 30_000);

  test('ca bundle prints the roots; ca issue writes a certificate and a 0600 key', async () => {
    const bundle = await cli('ca', 'bundle');
    expect(bundle.out).toMatch(/^-----BEGIN CERTIFICATE-----/);
    const dir = mkdtempSync(join(tmpdir(), 'meshgate-ca-'));
    const issued = await cli('ca', 'issue', '-n', 'shop', '--service-account', 'checkout', '--out-dir', dir);
    expect(issued.code).toBe(0);
    expect(issued.out).toContain('spiffe://cluster.local/ns/shop/sa/checkout');
    expect(readFileSync(join(dir, 'cert.pem'), 'utf8')).toMatch(/BEGIN CERTIFICATE/);
    expect(statSync(join(dir, 'key.pem')).mode & 0o777).toBe(0o600);
    expect((await cli('ca', 'issue')).code).toBe(2);
  });

  test('analyze reads the live config, and files over it', async () => {
    const live = await cli('analyze');
    expect(live.out).toMatch(/resources \(live config\)/);
    const withFile = await cli('analyze', '--live', '-f', 'examples/bookinfo/virtual-service-reviews-test-v2.yaml');
    expect(withFile.out).toMatch(/live config and 1 file/);
    // Against the live config the subsets resolve (the DestinationRules are there); alone, the file's subsets dangle.
    expect(withFile.out).not.toContain('IST0101');
    const offline = await cli('analyze', '-f', 'examples/bookinfo/virtual-service-reviews-test-v2.yaml');
    expect(offline.out).toContain('IST0101');
  });

  test('a wrong token is refused with the fix', async () => {
    let err = '';
    const io: CliIO = { stdout: () => {}, stderr: (t) => void (err += t), readStdin: async () => '', cwd: repo, env: {} };
    const code = await main(['get', 'vs', '--server', mesh.adminUrl, '--token', 'wrong'], io);
    expect(code).toBe(1);
    expect(err).toContain('the admin API refused the token (403)');
  });
});
