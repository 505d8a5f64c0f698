import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { CliError } from '../../../src/cli/errors.ts';
import { collectManifests } from '../../../src/cli/files.ts';
import type { CliIO } from '../../../src/cli/io.ts';
import { tempTree } from './run.ts';

const io = (cwd: string, stdin = ''): CliIO => ({ stdout: () => {}, stderr: () => {}, readStdin: async () => stdin, cwd, env: {} });

describe('collectManifests', () => {
  test('directories: manifest extensions only, recursive, sorted; sources as the user wrote them', async () => {
    const dir = tempTree({ 'm/b.yaml': 'b', 'm/a.json': 'a', 'm/c.YML': 'c', 'm/z/1.yaml': 'z1', 'm/a-dir/x.yml': 'x', 'm/notes.txt': 'n', 'm/.hidden/h.yaml': 'h' });
    const r = await collectManifests(['m'], io(dir));
    expect(r.inputs.map((i) => i.source)).toEqual(['m/.hidden/h.yaml', 'm/a-dir/x.yml', 'm/a.json', 'm/b.yaml', 'm/c.YML', 'm/z/1.yaml'].map((p) => path.join(...p.split('/'))));
    expect(r.inputs.find((i) => i.source.endsWith('b.yaml'))?.text).toBe('b');
    expect(r.emptyDirs).toEqual([]);
  });

  test('files any extension, stdin, order of -f kept, empty directories reported', async () => {
    const dir = tempTree({ 'x.txt': 'x', 'd/y.yaml': 'y', 'empty/readme': '' });
    const r = await collectManifests(['x.txt', '-', 'd', 'empty'], io(dir, 'from stdin'));
    expect(r.inputs).toEqual([{ source: 'x.txt', text: 'x' }, { source: '-', text: 'from stdin' }, { source: path.join('d', 'y.yaml'), text: 'y' }]);
    expect(r.emptyDirs).toEqual(['empty']);
  });

  test('absolute paths, symlinked files followed, symlinked directories not', async () => {
    const dir = tempTree({ 'real/a.yaml': 'a', 'm/b.yaml': 'b' });
    symlinkSync(path.join(dir, 'real/a.yaml'), path.join(dir, 'm/link.yaml'));
    symlinkSync(path.join(dir, 'm'), path.join(dir, 'm/loop'));
    const r = await collectManifests([path.join(dir, 'm')], io('/'));
    expect(r.inputs.map((i) => path.basename(i.source))).toEqual(['b.yaml', 'link.yaml']);
  });

  test('errors: missing path (with fix), stdin twice, empty path', async () => {
    const dir = tempTree();
    const err = (p: Promise<unknown>) => p.then(() => { throw new Error('expected failure'); }, (e: unknown) => e as CliError);
    const missing = await err(collectManifests(['nope/x.yaml'], io(dir)));
    expect(missing).toBeInstanceOf(CliError);
    expect(missing).toMatchObject({ message: 'the path "nope/x.yaml" does not exist', exitCode: 1 });
    expect(missing.hint).toContain('check the spelling');
    expect((await err(collectManifests(['-', '-'], io(dir)))).message).toBe('stdin (-f -) can be given only once');
    expect((await err(collectManifests([''], io(dir)))).message).toBe('empty path given to -f');
  });
});
