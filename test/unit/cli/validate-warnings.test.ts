import { describe, expect, test, vi } from 'vitest';
import { pa, run, tempTree } from './run.ts';

// Kind hooks emit Istio's warnings; stand one in so the CLI side is tested whatever the kinds do.
vi.mock('../../../src/config/manifest.ts', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/config/manifest.ts')>();
  return {
    ...real,
    loadManifest: (text: string, opts?: { source?: string }) => {
      const r = real.loadManifest(text, opts);
      if (text.includes('# warn')) r.issues.push({ severity: 'warning', source: opts?.source, document: 0, kind: 'PeerAuthentication', namespace: 'default', name: 'a', path: 'spec', line: 6, column: 1, message: 'something to look at' });
      return r;
    },
  };
});

describe('meshgate validate warnings', () => {
  test('are printed with a prefix and do not fail the run', async () => {
    const dir = tempTree({ 'a.yaml': `${pa('a')}# warn\n` });
    const r = await run(['validate', '-f', 'a.yaml'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.out).toBe('warning: a.yaml:6:1 PeerAuthentication/default/a spec: something to look at\n✔ 1 resource valid in 1 file (1 warning)\n');
  });
});
