import { beforeEach, describe, expect, test, vi } from 'vitest';
import type { Issue } from '../../../src/config/issues.ts';
import type { LoadedResource } from '../../../src/config/manifest.ts';
import { BAD_PA, BAD_PA_LINE, pa, run, tempTree } from './run.ts';

// The analyzers are plugged in through src/config/analyze/index.ts; stand them in here so the CLI
// side (grouping, exit codes, what the analyzers receive) is tested on its own.
const calls: LoadedResource[][] = [];
let findings: Issue[] = [];
let explode = false;
vi.mock('../../../src/config/analyze/index.ts', () => ({
  analyze: (resources: LoadedResource[]) => {
    calls.push(resources);
    if (explode) throw new Error('boom');
    return findings;
  },
}));

beforeEach(() => {
  calls.length = 0;
  findings = [];
  explode = false;
});

const finding = (severity: Issue['severity'], message: string, code?: string): Issue => ({ severity, message, path: 'spec', kind: 'PeerAuthentication', namespace: 'default', name: 'a', source: 'a.yaml', line: 5, column: 1, ...(code ? { code } : {}) });

describe('meshgate analyze', () => {
  test('no findings: exit 0, the analyzers saw the valid resources', async () => {
    const dir = tempTree({ 'a.yaml': `${pa('a')}---\n${pa('b')}` });
    const r = await run(['analyze', '-f', 'a.yaml'], { cwd: dir });
    expect(r).toMatchObject({ code: 0, out: '✔ No validation issues found when analyzing 2 resources in 1 file.\n', err: '' });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.map((l) => l.resource.metadata.name)).toEqual(['a', 'b']);
  });

  test('findings in istioctl\'s message format, errors first; validation errors included; exit 1', async () => {
    findings = [finding('info', 'fyi'), finding('warning', 'careful', 'IST0101'), finding('error', 'broken ref')];
    const dir = tempTree({ 'a.yaml': pa('a'), 'bad.yaml': BAD_PA });
    const r = await run(['analyze', '-f', '.'], { cwd: dir });
    expect(r.code).toBe(1);
    // One line per finding as istioctl prints its messages (diag/message.go), errors first.
    expect(r.out).toBe([
      'Error (PeerAuthentication bad.default bad.yaml:5) metadata.namspace: unknown field "namspace" (did you mean "namespace"?)',
      'Error (PeerAuthentication a.default a.yaml:5) spec: broken ref',
      'Warning [IST0101] (PeerAuthentication a.default a.yaml:5) spec: careful',
      'Info (PeerAuthentication a.default a.yaml:5) spec: fyi',
      '✘ 2 errors, 1 warning, 1 info when analyzing 1 resource in 2 files.',
      '',
    ].join('\n'));
    expect(calls[0]!.map((l) => l.resource.metadata.name)).toEqual(['a']);
  });

  test('warnings and infos alone do not fail', async () => {
    findings = [finding('warning', 'w1'), finding('warning', 'w2'), finding('info', 'i')];
    const r = await run(['analyze', '-f', '-'], { stdin: pa('a') });
    expect(r.code).toBe(0);
    expect(r.out.match(/^Warning \(PeerAuthentication a\.default [^)]+\) spec: w\d$/gm)).toHaveLength(2);
    expect(r.out).toMatch(/✔ 2 warnings, 1 info when analyzing 1 resource in 1 file\.\n$/);
  });

  test('-o json and -o yaml print the findings; exit code still follows errors', async () => {
    findings = [finding('error', 'broken ref')];
    const dir = tempTree({ 'a.yaml': pa('a') });
    const j = await run(['analyze', '-f', 'a.yaml', '-o', 'json'], { cwd: dir });
    expect(j.code).toBe(1);
    // istioctl's message fields first (scripts written for `istioctl analyze -o json` read them), then meshgate's.
    const parsed = JSON.parse(j.out) as Record<string, unknown>[];
    expect(parsed).toEqual([{ level: 'Error', origin: 'PeerAuthentication a.default', reference: 'a.yaml:5', ...finding('error', 'broken ref') }]);
    expect(Object.keys(parsed[0]!).slice(0, 4)).toEqual(['level', 'origin', 'reference', 'message']);
    findings = [finding('warning', 'dangling', 'IST0101')];
    expect(JSON.parse((await run(['analyze', '-f', 'a.yaml', '-o', 'json'], { cwd: dir })).out)[0]).toMatchObject({ code: 'IST0101', level: 'Warning', documentationUrl: 'https://istio.io/latest/docs/reference/config/analysis/ist0101/' });
    findings = [];
    const y = await run(['analyze', '-f', 'a.yaml', '-o', 'yaml'], { cwd: dir });
    expect(y).toMatchObject({ code: 0, out: '[]\n' });
  });

  test('an analyzer crash is an error naming it, exit 1', async () => {
    explode = true;
    const r = await run(['analyze', '-f', '-'], { stdin: pa('a') });
    expect(r.code).toBe(1);
    expect(r.err).toContain('error: analysis failed: boom\n');
  });

  test('missing path and empty directory behave as in validate', async () => {
    const dir = tempTree({ 'empty/x.txt': '' });
    expect((await run(['analyze', '-f', 'nope'], { cwd: dir })).err).toContain('error: the path "nope" does not exist');
    const e = await run(['analyze', '-f', 'empty'], { cwd: dir });
    expect(e.code).toBe(1);
    expect(e.err).toContain('error: no manifests found in "empty"');
    expect(calls).toHaveLength(0);
  });
});

describe('meshgate analyze over several files', () => {
  test('a resource defined again in a later file replaces the earlier one, with a warning there (as apply would)', async () => {
    const dir = tempTree({ 'a.yaml': `${pa('a')}---\n${pa('b')}`, 'z.yaml': pa('a') });
    const r = await run(['analyze', '-f', '.'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(calls[0]!.map((l) => [l.resource.metadata.name, l.source])).toEqual([['b', 'a.yaml'], ['a', 'z.yaml']]);
    expect(r.out).toContain('Warning (PeerAuthentication a.default z.yaml:');
    expect(r.out).toContain('(PeerAuthentication a.default z.yaml:4) metadata.name: also defined in a.yaml; this later definition is the one analyzed, as apply would leave it');
  });
});
