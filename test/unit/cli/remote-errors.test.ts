import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseFlags } from '../../../src/cli/args.ts';
import { CONNECTION_FLAGS, resolveConnection } from '../../../src/cli/connection.ts';
import { on, runCli, startFakeAdmin } from './fake-admin.ts';
import { tempTree } from './run.ts';

describe('errors from the admin API, as a person wants them', () => {
  test('connection refused: is `meshgate dev` running?', async () => {
    const fake = await startFakeAdmin();
    const url = fake.url;
    await fake.close();
    for (const argv of [['get', 'vs'], ['proxy-status'], ['proxy-config', 'routes'], ['delete', 'vs', 'x']]) {
      const r = await runCli([...argv, '--server', url, '--token', 't']);
      expect(r.code).toBe(1);
      expect(r.err).toBe(`error: cannot reach the mesh at ${url}: is \`meshgate dev\` running? (connection refused)\nstart it with \`npx meshgate dev\`, or point --server / MESHGATE_SERVER at a running control plane\n`);
    }
    const apply = await runCli(['apply', '-f', '-', '--server', url, '--token', 't'], { stdin: 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: a\nspec: {}\n' });
    expect(apply.err).toContain('(connection refused)');
  });

  test('403 and 401: the admin API refused the token, with where the token came from', async () => {
    const fake = await startFakeAdmin();
    const r = await runCli(['get', 'vs', ...on(fake, 'wrong')]);
    expect(r.code).toBe(1);
    expect(r.err).toBe('error: the admin API refused the token (403): check --token / MESHGATE_TOKEN\nthe token came from --token; a restarted `meshgate dev` has a new one (server said: forbidden: the admin token is not valid)\n');
    fake.override = () => ({ status: 401, body: { errors: [{ message: 'authentication required: send Authorization: Bearer <admin token>' }] } });
    const e = await runCli(['proxy-status'], { env: { MESHGATE_SERVER: fake.url, MESHGATE_TOKEN: fake.token } });
    expect(e.err).toMatch(/^error: the admin API refused the token \(401\): check --token \/ MESHGATE_TOKEN\nthe token came from \$MESHGATE_TOKEN;/);
  });

  test('400 outside apply: each error on its own line', async () => {
    const fake = await startFakeAdmin();
    fake.override = () => ({ status: 400, body: { errors: [{ message: 'first thing' }, { kind: 'VirtualService', namespace: 'default', name: 'x', path: 'spec.hosts', message: 'second thing' }] } });
    const r = await runCli(['get', 'vs', ...on(fake)]);
    expect(r).toMatchObject({ code: 1, out: '' });
    expect(r.err).toBe('error: the admin API rejected the request (400):\nfirst thing\nVirtualService/default/x spec.hosts: second thing\n');
  });

  test("5xx: the server's message", async () => {
    const fake = await startFakeAdmin();
    fake.override = () => ({ status: 500, body: { errors: [{ message: 'internal error: boom' }] } });
    expect((await runCli(['get', 'vs', ...on(fake)])).err).toBe(`error: the mesh at ${fake.url} answered 500: internal error: boom\n`);
    fake.override = () => ({ status: 503, body: { errors: [{ message: 'the admin API is disabled: no MESHGATE_ADMIN_TOKEN is configured.' }] } });
    const r = await runCli(['proxy-config', 'routes', '--proxy', 'x', ...on(fake)]);
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: the mesh at ${fake.url} answered 503: the admin API is disabled: no MESHGATE_ADMIN_TOKEN is configured.\n`);
    fake.override = () => ({ status: 502, body: 'Bad Gateway' });
    expect((await runCli(['proxy-status', ...on(fake)])).err).toBe(`error: the mesh at ${fake.url} answered 502: Bad Gateway\n`);
  });
});

describe('which mesh: --server/--token, then MESHGATE_SERVER/MESHGATE_TOKEN, then the context file', () => {
  const home = (ctx?: unknown) => {
    const dir = tempTree();
    if (ctx !== undefined) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'context.json'), typeof ctx === 'string' ? ctx : JSON.stringify(ctx));
    }
    return dir;
  };
  const resolve = (argv: string[], env: Record<string, string | undefined>) => resolveConnection(parseFlags(argv, CONNECTION_FLAGS, 'test'), env);

  test('resolution order, per field', () => {
    const h = home({ server: 'http://127.0.0.1:15010', token: 'ctx-token' });
    expect(resolve([], { MESHGATE_HOME: h })).toMatchObject({ server: 'http://127.0.0.1:15010', token: 'ctx-token', serverSource: 'context', tokenSource: 'context' });
    expect(resolve([], { MESHGATE_HOME: h, MESHGATE_TOKEN: 'env-token' })).toMatchObject({ server: 'http://127.0.0.1:15010', token: 'env-token', tokenSource: 'env' });
    expect(resolve([], { MESHGATE_HOME: h, MESHGATE_SERVER: 'http://mesh.example:8080/', MESHGATE_TOKEN: 'e' })).toMatchObject({ server: 'http://mesh.example:8080', serverSource: 'env' });
    expect(resolve(['--server', '10.0.0.1:15010', '--token', 'f'], { MESHGATE_HOME: h, MESHGATE_SERVER: 'http://x', MESHGATE_TOKEN: 'e' })).toMatchObject({ server: 'http://10.0.0.1:15010', token: 'f', serverSource: 'flag', tokenSource: 'flag' });
    // The context's token goes only to the context's server.
    expect(() => resolve(['--server', 'http://elsewhere:1'], { MESHGATE_HOME: h })).toThrow('no token for http://elsewhere:1: pass --token or set MESHGATE_TOKEN');
    expect(resolve(['--server', 'http://127.0.0.1:15010/'], { MESHGATE_HOME: h })).toMatchObject({ token: 'ctx-token' });
    // HOME is the default place.
    mkdirSync(path.join(h, '.meshgate'));
    writeFileSync(path.join(h, '.meshgate', 'context.json'), JSON.stringify({ server: 'http://127.0.0.1:1', token: 'home' }));
    expect(resolve([], { HOME: h })).toMatchObject({ token: 'home', contextFile: path.join(h, '.meshgate', 'context.json') });
  });

  test('nothing found: say how to get a mesh', async () => {
    const h = home();
    expect(() => resolve([], { MESHGATE_HOME: h })).toThrow('no mesh found: start one with `npx meshgate dev`, or pass --server and --token');
    const r = await runCli(['get', 'vs'], { env: { MESHGATE_HOME: h } });
    expect(r.code).toBe(1);
    expect(r.err).toBe(`error: no mesh found: start one with \`npx meshgate dev\`, or pass --server and --token\n(looked for --server, $MESHGATE_SERVER and ${path.join(h, 'context.json')})\n`);
    expect(() => resolve([], { MESHGATE_HOME: home('{not json') })).toThrow(/is not a meshgate context/);
    expect(() => resolve(['--server', 'ftp://x', '--token', 't'], {})).toThrow('invalid server "ftp://x" (from --server)');
  });

  test('end to end: the context file, then env over it, then flags over both', async () => {
    const a = await startFakeAdmin({ token: 'token-a' });
    const b = await startFakeAdmin({ token: 'token-b' });
    const c = await startFakeAdmin({ token: 'token-c' });
    const h = home({ server: a.url, token: 'token-a' });
    expect((await runCli(['proxy-status'], { env: { MESHGATE_HOME: h } })).code).toBe(0);
    expect(a.requests).toHaveLength(1);
    expect((await runCli(['proxy-status'], { env: { MESHGATE_HOME: h, MESHGATE_SERVER: b.url, MESHGATE_TOKEN: 'token-b' } })).code).toBe(0);
    expect(b.requests).toHaveLength(1);
    expect((await runCli(['proxy-status', '--server', c.url, '--token', 'token-c'], { env: { MESHGATE_HOME: h, MESHGATE_SERVER: b.url, MESHGATE_TOKEN: 'token-b' } })).code).toBe(0);
    expect(c.requests).toHaveLength(1);
    expect(a.requests.length + b.requests.length).toBe(2);
  });
});
