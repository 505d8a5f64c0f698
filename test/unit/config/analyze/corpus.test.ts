import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { analyze } from '../../../../src/config/analyze/index.ts';
import type { LoadedResource } from '../../../../src/config/manifest.ts';
import { loadManifest } from '../../../../src/config/manifest.ts';

// The whole valid corpus analyzed together: findings are expected (the files are independent
// samples), crashes are not, and every finding is well-formed.
const dir = join(import.meta.dirname, '../../../corpus/valid');

describe('analyze on the valid corpus', () => {
  test('all files together: no crash, well-formed findings', () => {
    const resources: LoadedResource[] = readdirSync(dir)
      .filter((f) => /\.(ya?ml|json)$/.test(f))
      .sort()
      .flatMap((f) => loadManifest(readFileSync(join(dir, f), 'utf8'), { source: f }).resources);
    expect(resources.length).toBeGreaterThan(20);
    for (const meshConfig of [undefined, {}, { rootNamespace: 'mesh-root' }, 'not an object', null]) {
      const issues = analyze(resources, { meshConfig });
      for (const i of issues) {
        expect(['error', 'warning', 'info']).toContain(i.severity);
        expect(i.code).toMatch(/^(IST|MG)0\d{3}$/);
        expect(i.kind && i.namespace && i.name, JSON.stringify(i)).toBeTruthy();
        expect(typeof i.document).toBe('number');
        expect(i.message.length).toBeGreaterThan(20);
      }
    }
  });

  test('no resources, no findings', () => {
    expect(analyze([])).toEqual([]);
  });
});
