import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { run, tempTree } from './run.ts';

// `meshgate dev` flags refused before anything is bundled or started (the e2e tests start meshes).
describe('meshgate dev --state', () => {
  test('a file, or a path through a file, is a usage error naming the flag and the fix', async () => {
    const root = tempTree({ 'state.txt': 'not a directory' });
    for (const state of [path.join(root, 'state.txt'), path.join(root, 'state.txt', 'sub')]) {
      const r = await run(['dev', '--no-demo', '--state', state]);
      expect(r.code).toBe(2);
      expect(r.err).toContain(`cannot use --state "${state}": it, or a folder on its path, is a file`);
      expect(r.err).toContain('pass a directory you can write');
      expect(r.err).not.toContain('bug');
      expect(r.out).not.toContain('starting workerd');
    }
    expect(existsSync(path.join(root, 'state.txt', 'sub'))).toBe(false);
  });
});
