import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('bin/meshgate.js runs from the clone: version, and a usage error exits 2', async () => {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
  const { stdout } = await promisify(execFile)(process.execPath, ['bin/meshgate.js', 'version'], { cwd: root });
  expect(stdout).toBe(`meshgate ${version}\n`);
  const bad = await promisify(execFile)(process.execPath, ['bin/meshgate.js', 'valdate'], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
  expect(bad).toMatchObject({ code: 2 });
  expect((bad as { stderr: string }).stderr).toContain('did you mean "validate"?');
}, 30_000);
