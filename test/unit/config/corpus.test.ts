import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadManifest } from '../../../src/config/manifest.ts';

// The manifest corpus (test/corpus): every valid/ file loads with no error and no warning but
// those it declares (an info, such as a field meshgate accepts but cannot execute, is allowed); every
// invalid/ file declares the issues it must produce in header comments:
//   # expect: <path> @ <line> :: <message substring>
//   # expect-warning: <path> @ <line> :: <message substring>
const root = join(import.meta.dirname, '../../corpus');
const files = (dir: string) => readdirSync(join(root, dir)).filter((f) => /\.(ya?ml|json)$/.test(f)).sort();

describe('valid corpus', () => {
  test.each(files('valid'))('%s validates clean', (f) => {
    const text = readFileSync(join(root, 'valid', f), 'utf8');
    // Only the warnings it declares (meshgate's own, about what its edge cannot enforce).
    const expects = [...text.matchAll(/^# expect-warning: (.*?) @ (\d+) :: (.+)$/gm)].map((m) => ({ severity: 'warning', path: m[1]!.trim(), line: Number(m[2]), message: expect.stringContaining(m[3]!.trim()) }));
    const r = loadManifest(text, { source: f });
    expect(r.issues.filter((i) => i.severity !== 'info')).toEqual(expects.map((e) => expect.objectContaining(e)));
    expect(r.resources.length).toBeGreaterThan(0);
  });
});

describe('invalid corpus', () => {
  test.each(files('invalid'))('%s gives the expected issues', (f) => {
    const text = readFileSync(join(root, 'invalid', f), 'utf8');
    const expects = [...text.matchAll(/^# expect(-warning)?: (.*?) @ (\d+) :: (.+)$/gm)].map((m) => ({
      severity: m[1] ? 'warning' : 'error', path: m[2]!.trim(), line: Number(m[3]), message: m[4]!.trim(),
    }));
    expect(expects.length, 'file declares its expected issues').toBeGreaterThan(0);
    const r = loadManifest(text, { source: f });
    for (const e of expects) {
      expect(r.issues, JSON.stringify(e)).toContainEqual(expect.objectContaining({ severity: e.severity, path: e.path, line: e.line, message: expect.stringContaining(e.message) }));
    }
  });
});
