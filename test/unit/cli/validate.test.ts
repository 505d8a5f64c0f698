import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BAD_PA, BAD_PA_LINE, pa, run, tempTree } from './run.ts';

describe('meshgate validate', () => {
  test('a valid file: summary, exit 0', async () => {
    const dir = tempTree({ 'pa.yaml': `${pa('a')}---\n${pa('b')}` });
    const r = await run(['validate', '-f', 'pa.yaml'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, out: '✔ 2 resources valid in 1 file\n', err: '' });
  });

  test('an invalid file: exact file:line:col line per error, exit 1', async () => {
    const dir = tempTree({ 'bad.yaml': BAD_PA, 'good.yaml': pa('good') });
    const r = await run(['validate', '-f', 'bad.yaml', '-f', 'good.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(r.out).toBe(`${BAD_PA_LINE('bad.yaml')}\n✘ 1 error in 1 of 2 files; 1 resource valid\n`);
  });

  test('every error is printed, across documents and files, in order', async () => {
    const dir = tempTree({
      'a.yaml': `${BAD_PA}---\napiVersion: security.istio.io/v1\nkind: PeerAuthenticaton\nmetadata: {name: x}\nspec: {}\n`,
      'b.json': JSON.stringify({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'Bad_Name' }, spec: {} }),
    });
    const r = await run(['validate', '-f', dir]);
    expect(r.code).toBe(1);
    const lines = r.out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe(BAD_PA_LINE(path.join(dir, 'a.yaml')));
    expect(lines[1]).toBe(`${path.join(dir, 'a.yaml')}:9:7 PeerAuthenticaton/default/x kind: unknown kind "PeerAuthenticaton" in security.istio.io/v1 (did you mean "PeerAuthentication"?); meshgate accepts ${lines[1]!.split('meshgate accepts ')[1]}`);
    expect(lines[2]).toMatch(new RegExp(`^${escape(path.join(dir, 'b.json'))}:1:\\d+ PeerAuthentication/default/Bad_Name metadata\\.name: invalid name "Bad_Name"`));
    expect(lines[3]).toBe('✘ 3 errors in 2 files; 0 resources valid');
  });

  test('a directory: *.yaml, *.yml and *.json recursively, other files ignored', async () => {
    const dir = tempTree({ 'm/a.yaml': pa('a'), 'm/sub/b.yml': pa('b'), 'm/sub/deeper/c.json': JSON.stringify({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'c' }, spec: {} }), 'm/README.md': 'not: [yaml', 'm/x.txt': '{' });
    const r = await run(['validate', '-f', 'm/'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, out: '✔ 3 resources valid in 3 files\n', err: '' });
  });

  test('stdin via -f -, with "-" as the source of its issues', async () => {
    const ok = await run(['validate', '-f', '-'], { stdin: pa('from-stdin') });
    expect(ok).toMatchObject({ code: 0, out: '✔ 1 resource valid in 1 file\n', stdinReads: 1 });
    const bad = await run(['validate', '-f', '-'], { stdin: BAD_PA });
    expect(bad.code).toBe(1);
    expect(bad.out.split('\n')[0]).toBe(BAD_PA_LINE('-'));
  });

  test('a missing path: exit 1, says so, with the fix', async () => {
    const dir = tempTree({ 'a.yaml': pa('a') });
    const r = await run(['validate', '-f', 'a.yaml', '-f', 'nope.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: the path "nope.yaml" does not exist\ncheck the spelling, or pass an existing manifest file, a directory of *.yaml/*.yml/*.json files, or - for stdin\n');
  });

  test('a directory with no manifests (like an empty examples/): exit 1 with a hint', async () => {
    const dir = tempTree({ 'examples/notes.md': '# later' });
    const r = await run(['validate', '-f', 'examples/'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toBe('error: no manifests found in "examples/" (looked for *.yaml, *.yml and *.json files, recursively)\nadd Istio manifests there, or point -f at a manifest file or another directory\n');
    const missing = await run(['validate', '-f', 'examples-missing/'], { cwd: dir });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('error: the path "examples-missing/" does not exist');
  });

  test('an empty directory next to real files is a warning only', async () => {
    const dir = tempTree({ 'a.yaml': pa('a'), 'empty/.keep': '' });
    const r = await run(['validate', '-f', 'a.yaml', '-f', 'empty'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, out: '✔ 1 resource valid in 1 file\n', err: 'warning: no manifests found in "empty"\n' });
  });

  test('files holding no resource at all: exit 1', async () => {
    const dir = tempTree({ 'empty.yaml': '# only a comment\n---\n' });
    const r = await run(['validate', '-f', 'empty.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: no resources found in "empty.yaml"');
  });

  test('YAML syntax errors are reported with their position', async () => {
    const dir = tempTree({ 'broken.yaml': 'apiVersion: v1\nkind: [unclosed\n' });
    const r = await run(['validate', '-f', 'broken.yaml'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^broken\.yaml:\d+:\d+ document 0: invalid YAML: /);
  });
});

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
