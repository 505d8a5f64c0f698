import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { send } from './support/upstreams.ts';

// Issue 5's user journey, as a user runs it: `meshgate dev` as a child process (with the bookinfo
// demo), the task manifests applied with the CLI, the productpage read through the ingress port.

const repo = join(import.meta.dirname, '../..');
const home = mkdtempSync(join(tmpdir(), 'meshgate-home-'));
let dev: ChildProcess;
let ingress = '';
let egress = '';

function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, ['bin/meshgate.js', ...argv], { cwd: repo, env: { ...process.env, MESHGATE_HOME: home } });
    let out = '';
    let err = '';
    p.stdout.on('data', (c) => (out += c));
    p.stderr.on('data', (c) => (err += c));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

const page = async (headers: Record<string, string> = {}) => (await send(ingress, '/productpage', { host: 'bookinfo.local', headers })).body;
const versionOf = (html: string) => /data-reviews-version="([^"]+)"/.exec(html)?.[1];

async function applyTask(file: string) {
  const r = await cli('apply', '-f', `examples/bookinfo/${file}`);
  expect(r.code, r.err).toBe(0);
  // Both gateways pick it up on their next poll; the status endpoint makes an idle one poll now.
  for (let i = 0; i < 20; i++) {
    await Promise.all([send(ingress, '/healthz/ready', { host: 'meshgate.status' }), send(egress, '/healthz/ready', { host: 'meshgate.status' })]);
    const ps = await cli('proxy-status');
    if ((ps.out.match(/SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/g) ?? []).length === 2) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`gateways did not sync after applying ${file}`);
}

beforeAll(async () => {
  dev = spawn(process.execPath, ['bin/meshgate.js', 'dev', '--admin-port', '0', '--ingress-port', '0', '--egress-port', '0'], { cwd: repo, env: { ...process.env, MESHGATE_HOME: home } });
  let log = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`meshgate dev did not become ready:\n${log}`)), 90_000);
    dev.stdout!.on('data', (c) => {
      log += c;
      const m = /ingress\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      const e = /egress\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(log);
      if (m && e && log.includes('ready:')) {
        ingress = m[1]!;
        egress = e[1]!;
        clearTimeout(timer);
        resolve();
      }
    });
    dev.stderr!.on('data', (c) => (log += c));
    dev.on('exit', (code) => reject(new Error(`meshgate dev exited ${code}:\n${log}`)));
  });
}, 120_000);

afterAll(async () => {
  if (!dev || dev.exitCode !== null) return;
  const exited = new Promise((r) => dev.on('exit', r));
  dev.kill('SIGTERM');
  await exited;
});

describe('bookinfo on the edge', () => {
  test('the productpage renders the book, its details and reviews from every version (no VirtualService for reviews yet)', async () => {
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 30; i++) {
      const html = await page();
      expect(html).toContain('The Comedy of Errors');
      seen.add(versionOf(html));
    }
    expect(seen).toEqual(new Set(['v1', 'v2', 'v3']));
  });

  test('all traffic to v1', async () => {
    await applyTask('virtual-service-all-v1.yaml');
    for (let i = 0; i < 10; i++) expect(versionOf(await page())).toBe('v1');
  });

  test('jason sees v2 (black stars); everyone else v1', async () => {
    await applyTask('virtual-service-reviews-test-v2.yaml');
    const login = await send(ingress, '/login', { host: 'bookinfo.local', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason' });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(cookie).toBe('user=jason');
    for (let i = 0; i < 5; i++) {
      const html = await page({ cookie });
      expect(versionOf(html)).toBe('v2');
      expect(html).toContain('data-color="black"');
    }
    for (let i = 0; i < 5; i++) expect(versionOf(await page())).toBe('v1');
  });

  // ±15% over 240 draws of p = 0.5 is 4.6σ (σ = √(0.25/240) ≈ 3.2%).
  test('50/50 between v1 and v3 within ±15% over 240 page loads', async () => {
    await applyTask('virtual-service-reviews-50-v3.yaml');
    let v3 = 0;
    for (let i = 0; i < 240; i++) {
      const v = versionOf(await page());
      expect(['v1', 'v3']).toContain(v);
      if (v === 'v3') v3++;
    }
    expect(Math.abs(v3 / 240 - 0.5)).toBeLessThan(0.15);
  });

  test('fault injection for jason: ratings aborts, the page says so', async () => {
    await applyTask('virtual-service-reviews-test-v2.yaml');
    await applyTask('virtual-service-ratings-test-abort.yaml');
    const login = await send(ingress, '/login', { host: 'bookinfo.local', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=jason' });
    const cookie = String(login.headers['set-cookie']).split(';')[0]!;
    expect(await page({ cookie })).toContain('Ratings service is currently unavailable');
    expect(await page()).not.toContain('Ratings service is currently unavailable');
  });

  test('proxy-status reports both gateways SYNCED', async () => {
    const ps = await cli('proxy-status');
    expect(ps.code).toBe(0);
    expect(ps.out).toMatch(/istio-ingressgateway\s+ingress\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/);
    expect(ps.out).toMatch(/istio-egressgateway\s+egress\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED\s+SYNCED/);
  });
});
