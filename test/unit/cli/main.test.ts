import { describe, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { run } from './run.ts';

/** A loopback port nothing listens on: bound by the OS, then released. */
const closedPort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

const pkgVersion = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

describe('meshgate (top level)', () => {
  test('no arguments, --help, -h and help list the commands, exit 0', async () => {
    for (const argv of [[], ['--help'], ['-h'], ['help']]) {
      const r = await run(argv);
      expect(r.code).toBe(0);
      expect(r.err).toBe('');
      expect(r.out).toContain('Usage:\n  meshgate <command> [flags]');
      expect(r.out).toMatch(/^ {2}validate {3,}Validate manifests offline/m);
      expect(r.out).toMatch(/^ {2}analyze {4,}/m);
      expect(r.out).toMatch(/^ {2}version {4,}Print the meshgate version/m);
    }
  });

  test('per-command help: validate --help, help analyze, version -h', async () => {
    const v = await run(['validate', '--help']);
    expect(v.code).toBe(0);
    expect(v.out).toContain('Usage:\n  meshgate validate -f FILE|DIR|- [-f ...]');
    expect(v.out).toMatch(/-f, --file FILE\|DIR\|- +manifest file, directory/);
    expect(v.out).toMatch(/-h, --help +show help/);
    const a = await run(['help', 'analyze']);
    expect(a.code).toBe(0);
    expect(a.out).toContain('meshgate analyze [-f FILE|DIR|- ...] [--live] [-o yaml|json]');
    expect(a.out).toContain('-o, --output yaml|json');
    expect((await run(['version', '-h'])).out).toContain('meshgate version [-o yaml|json]');
    // --help wins even when other flags are incomplete or the files do not exist.
    expect((await run(['validate', '-f', '/nope', '--help'])).code).toBe(0);
  });

  test('unknown command suggests the nearest, exit 2', async () => {
    const r = await run(['valdate', '-f', 'x']);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err).toBe(`error: unknown command "valdate" for "meshgate" (did you mean "validate"?)\nRun 'meshgate --help' for the list of commands.\n`);
    const far = await run(['frobnicate']);
    expect(far.code).toBe(2);
    expect(far.err).toContain('error: unknown command "frobnicate" for "meshgate"\n');
    const h = await run(['help', 'analyse']);
    expect(h.code).toBe(2);
    expect(h.err).toContain('(did you mean "analyze"?)');
  });

  test('unknown flags (global and per command) suggest the nearest, exit 2', async () => {
    const r = await run(['validate', '--fil', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: unknown flag "--fil" for "meshgate validate" (did you mean "--file"?)\nRun 'meshgate validate --help' for usage.\n`);
    const g = await run(['--verison']);
    expect(g.code).toBe(2);
    expect(g.err).toContain('error: unknown flag "--verison" for "meshgate" (did you mean "--version"?)');
    // kubectl's habit of flags before the command gets the command line to run instead.
    const before = await run(['-n', 'shop', '--server', 'http://127.0.0.1:1', 'get', 'vs']);
    expect(before.code).toBe(2);
    expect(before.err).toBe(`error: unknown flag "-n" for "meshgate"\nflags go after the command: meshgate get vs -n shop --server http://127.0.0.1:1\n`);
    const o = await run(['validate', '-o', 'json', '-f', 'x']);
    expect(o.code).toBe(2);
    expect(o.err).toContain('unknown flag "-o" for "meshgate validate"');
  });

  test('stray arguments and a missing -f are usage errors with a fix', async () => {
    const stray = await run(['validate', 'vs.yaml']);
    expect(stray.code).toBe(2);
    expect(stray.err).toBe('error: unexpected argument "vs.yaml" for "meshgate validate"\npass manifests with -f: meshgate validate -f vs.yaml\n');
    const none = await run(['validate']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('error: meshgate validate needs at least one -f FILE|DIR|-');
    // Without -f, analyze reads the live config: no mesh there is an error that says so.
    const closed = await closedPort();
    const live = await run(['analyze', '--server', `http://127.0.0.1:${closed}`, '--token', 't']);
    expect(live.code).toBe(1);
    expect(live.err).toContain(`cannot reach the mesh at http://127.0.0.1:${closed}`);
    const missingValue = await run(['validate', '-f']);
    expect(missingValue.code).toBe(2);
    expect(missingValue.err).toContain('error: flag needs an argument: -f FILE|DIR|-');
    expect((await run(['version', 'extra'])).code).toBe(2);
  });

  test('version and --version print package.json\'s version; -o json|yaml', async () => {
    for (const argv of [['version'], ['--version']]) {
      const r = await run(argv);
      expect(r).toMatchObject({ code: 0, out: `meshgate ${pkgVersion}\n`, err: '' });
    }
    expect(JSON.parse((await run(['version', '-o', 'json'])).out)).toEqual({ clientVersion: { version: pkgVersion } });
    expect((await run(['version', '-o=yaml'])).out).toBe(`clientVersion:\n  version: ${pkgVersion}\n`);
    const bad = await run(['version', '-o', 'wide']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('error: invalid value "wide" for -o: expected one of yaml, json');
  });
});
