import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, test } from 'vitest';
import { send } from './support/upstreams.ts';

// `meshgate dev` run exactly as a user runs it: a child process, real ports, real signals.

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const BIN = path.join(REPO, 'bin/meshgate.js');
const FREE_PORTS = ['--admin-port', '0', '--ingress-port', '0', '--egress-port', '0'];

const VS = (name: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: default
spec:
  hosts: [${name}.example.com]
  http:
  - route:
    - destination:
        host: ${name}.default.svc.cluster.local
`;

const tmp = mkdtempSync(path.join(tmpdir(), 'meshgate-dev-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Dev {
  child: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the listeners once the ready line is printed; rejects if the process exits first. */
  ready(timeoutMs?: number): Promise<{ admin: string; token: string; ingress: string; egress: string }>;
}

const started: Dev[] = [];
const workerdSeen = new Set<number>();

function dev(args: string[], home: string): Dev {
  const child = spawn(process.execPath, [BIN, 'dev', ...args], {
    cwd: REPO,
    env: { ...process.env, MESHGATE_HOME: home, FORCE_COLOR: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const d: Dev = {
    child,
    out: () => out,
    err: () => err,
    exited,
    ready: (timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = () => {
          const admin = /^admin\s+(\S+)\s+\(token (\S+)\)$/m.exec(out);
          const ingress = /^ingress\s+(\S+)\s+\(edge port 80\)$/m.exec(out);
          const egress = /^egress\s+(\S+)$/m.exec(out);
          if (admin && ingress && egress && /^ready: /m.test(out)) return resolve({ admin: admin[1]!, token: admin[2]!, ingress: ingress[1]!, egress: egress[1]! });
          if (child.exitCode !== null || child.signalCode !== null) return reject(new Error(`meshgate dev exited (${child.exitCode ?? child.signalCode}) before ready:\n${out}\n${err}`));
          if (Date.now() > deadline) return reject(new Error(`meshgate dev not ready within ${timeoutMs} ms:\n${out}\n${err}`));
          setTimeout(check, 25);
        };
        check();
      }),
  };
  started.push(d);
  return d;
}

/** workerd processes whose parent is `pid` (Linux /proc). */
function workerdChildren(pid: number): number[] {
  if (!existsSync('/proc/self/stat')) return [];
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const m = /^\d+ \((.*)\) (\S) (\d+)/.exec(stat);
      if (m && m[1] === 'workerd' && Number(m[3]) === pid && m[2] !== 'Z') out.push(Number(e));
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Alive = exists and is not a zombie. */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function stop(d: Dev, signal: NodeJS.Signals = 'SIGTERM') {
  d.child.kill(signal);
  return d.exited;
}

afterEach(async () => {
  // A failed test must not leave a mesh (or its workerd) behind.
  for (const d of started.splice(0)) {
    if (d.child.exitCode === null && d.child.signalCode === null) {
      d.child.kill('SIGKILL');
      await d.exited;
    }
  }
  for (const pid of workerdSeen) if (alive(pid)) process.kill(pid, 'SIGKILL');
  workerdSeen.clear();
});

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('meshgate dev', () => {
  test('starts the control plane and both gateways, serves the admin API, stops cleanly on SIGTERM', async () => {
    const home = path.join(tmp, 'home-main');
    const d = dev(['--no-demo', ...FREE_PORTS], home);
    const l = await d.ready();
    expect(d.out()).toMatch(/bundling workers…/);
    expect(d.out()).toMatch(/starting workerd…/);
    expect(d.out()).not.toMatch(/demo is not bundled/);
    expect(l.token).toMatch(/^[0-9a-f]{32}$/);
    for (const u of [l.admin, l.ingress, l.egress]) expect(u).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const pids = workerdChildren(d.child.pid!);
    if (existsSync('/proc/self/stat')) expect(pids).toHaveLength(1);
    pids.forEach((p) => workerdSeen.add(p));

    // The context file: {server, token}, mode 0600.
    const ctxFile = path.join(home, 'context.json');
    expect(JSON.parse(readFileSync(ctxFile, 'utf8'))).toEqual({ server: l.admin, token: l.token });
    expect(statSync(ctxFile).mode & 0o777).toBe(0o600);

    expect((await fetch(`${l.admin}/healthz`)).status).toBe(200);
    expect((await fetch(`${l.admin}/debug/syncz`)).status).toBe(401);
    const auth = { authorization: `Bearer ${l.token}` };
    const applied = await fetch(`${l.admin}/v1/apply`, { method: 'POST', headers: auth, body: VS('reviews') });
    expect(applied.status).toBe(200);
    expect(await applied.json()).toMatchObject({ results: [{ kind: 'VirtualService', namespace: 'default', name: 'reviews', action: 'created' }] });

    // Both gateways show up in syncz (their status endpoint makes an idle gateway poll).
    const rows = await until('both gateways in /debug/syncz', async () => {
      await Promise.all([l.ingress, l.egress].map((u) => send(u, '/healthz/ready', { host: 'meshgate.status' })));
      const r = (await (await fetch(`${l.admin}/debug/syncz`, { headers: auth })).json()) as { proxy: string; role: string }[];
      return r.length >= 2 ? r : undefined;
    });
    expect(rows.map((r) => [r.proxy, r.role]).sort()).toEqual([
      ['istio-egressgateway', 'egress'],
      ['istio-ingressgateway', 'ingress'],
    ]);

    const { code, signal } = await stop(d, 'SIGTERM');
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(d.out()).toMatch(/stopped\n$/);
    for (const p of pids) expect(alive(p)).toBe(false);
    expect(existsSync(ctxFile)).toBe(false);
  });

  test('a port already in use: exit 1 with one line naming the port and the flag', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const d = dev(['--no-demo', '--admin-port', '0', '--ingress-port', String(port), '--egress-port', '0'], path.join(tmp, 'home-port'));
      const { code } = await d.exited;
      expect(code).toBe(1);
      const lines = d.err().trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^error: ingress port ${port} is already in use on 127\\.0\\.0\\.1: .*--ingress-port`));
      expect(existsSync(path.join(tmp, 'home-port', 'context.json'))).toBe(false);
    } finally {
      blocker.close();
    }
  });

  test('an invalid -f manifest: exit 1 with file:line:col before anything starts', async () => {
    const bad = path.join(tmp, 'bad.yaml');
    writeFileSync(bad, VS('ratings').replace('        host: ratings.default.svc.cluster.local\n', '        host: ratings.default.svc.cluster.local\n      weight: -5\n'));
    const d = dev(['--no-demo', ...FREE_PORTS, '-f', bad], path.join(tmp, 'home-bad'));
    const { code } = await d.exited;
    expect(code).toBe(1);
    const lines = d.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^error: invalid manifest ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:12:15 VirtualService/default/ratings spec\\.http\\[0\\]\\.route\\[0\\]\\.weight: `));
    expect(d.out()).not.toMatch(/starting workerd/);
  });

  test('-f manifests are applied at start; --state keeps config across a restart', async () => {
    const state = path.join(tmp, 'state');
    const good = path.join(tmp, 'good.yaml');
    writeFileSync(good, VS('details'));
    const home = path.join(tmp, 'home-state');

    const first = dev(['--no-demo', ...FREE_PORTS, '--state', state, '-f', good], home);
    const a = await first.ready();
    expect(first.out()).toMatch(/applying 1 manifest…/);
    const auth = { authorization: `Bearer ${a.token}` };
    expect((await fetch(`${a.admin}/v1/apply`, { method: 'POST', headers: auth, body: VS('reviews') })).status).toBe(200);
    expect((await stop(first)).code).toBe(0);

    const second = dev(['--no-demo', ...FREE_PORTS, '--state', state, '--token', 'second-token'], home);
    const b = await second.ready();
    expect(b.token).toBe('second-token');
    for (const name of ['details', 'reviews']) {
      const res = await fetch(`${b.admin}/apis/networking.istio.io/v1/namespaces/default/virtualservices/${name}`, { headers: { authorization: 'Bearer second-token' } });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ kind: 'VirtualService', metadata: { name }, spec: { hosts: [`${name}.example.com`] } });
    }
    expect((await stop(second, 'SIGINT')).code).toBe(0);
  });
});
