import { describe, expect, test } from 'vitest';
import { ALL_NAMESPACES_FLAG, FILE_FLAG, flagSet, flagValue, flagValues, NAMESPACE_FLAG, OUTPUT_FLAG, parseFlags, type FlagSpec } from '../../../src/cli/args.ts';
import { UsageError } from '../../../src/cli/errors.ts';

const FLAGS: FlagSpec[] = [FILE_FLAG, OUTPUT_FLAG, NAMESPACE_FLAG, ALL_NAMESPACES_FLAG, { name: 'dry-run', type: 'boolean', description: 'x' }];
const parse = (...argv: string[]) => parseFlags(argv, FLAGS, 'meshgate get');

function usageError(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return e as UsageError;
  }
  throw new Error('expected a usage error');
}

describe('parseFlags', () => {
  test('long and short forms, = and separate values, repeatable -f in order', () => {
    const p = parse('-f', 'a.yaml', '-f=b.yaml', '--file', 'c', '--file=d', '-fe.yaml', '-o', 'json', '-n', 'istio-system', '-A', '--dry-run');
    expect(flagValues(p, 'file')).toEqual(['a.yaml', 'b.yaml', 'c', 'd', 'e.yaml']);
    expect(flagValue(p, 'output')).toBe('json');
    expect(flagValue(p, 'namespace')).toBe('istio-system');
    expect(flagSet(p, 'all-namespaces')).toBe(true);
    expect(flagSet(p, 'dry-run')).toBe(true);
    expect(p.positionals).toEqual([]);
  });

  test('non-repeatable flags: last wins; booleans take =true/=false', () => {
    const p = parse('-n', 'a', '--namespace=b', '-A', '--all-namespaces=false', '--dry-run=true');
    expect(flagValue(p, 'namespace')).toBe('b');
    expect(flagSet(p, 'all-namespaces')).toBe(false);
    expect(flagSet(p, 'dry-run')).toBe(true);
  });

  test('positionals, lone - and everything after --', () => {
    const p = parse('vs', '-', '-n', 'x', '--', '-f', '--zzz');
    expect(p.positionals).toEqual(['vs', '-', '-f', '--zzz']);
    expect(flagValue(p, 'namespace')).toBe('x');
  });

  test('unknown flags suggest the nearest long name', () => {
    expect(usageError(() => parse('--fil', 'x')).message).toBe('unknown flag "--fil" for "meshgate get" (did you mean "--file"?)');
    expect(usageError(() => parse('-dry-run')).message).toBe('unknown flag "-dry-run" for "meshgate get" (did you mean "--dry-run"?)');
    expect(flagValues(parse('-file'), 'file')).toEqual(['ile']); // like cobra: -fVALUE
    expect(usageError(() => parse('--namespcae', 'x')).message).toContain('(did you mean "--namespace"?)');
    expect(usageError(() => parse('-x')).message).toBe('unknown flag "-x" for "meshgate get"');
    expect(usageError(() => parse('--zzzzzzzz')).message).toBe('unknown flag "--zzzzzzzz" for "meshgate get"');
    expect(usageError(() => parse('--fil')).hint).toBe("Run 'meshgate get --help' for usage.");
  });

  test('missing value, bad choice, bad boolean, bundled booleans', () => {
    expect(usageError(() => parse('-f')).message).toBe('flag needs an argument: -f FILE|DIR|-');
    expect(usageError(() => parse('--output')).message).toBe('flag needs an argument: --output yaml|json');
    expect(usageError(() => parse('-o', 'xml')).message).toBe('invalid value "xml" for -o: expected one of yaml, json');
    expect(usageError(() => parse('--output=wide')).message).toBe('invalid value "wide" for --output: expected one of yaml, json');
    expect(usageError(() => parse('--dry-run=maybe')).message).toBe('invalid value "maybe" for --dry-run: expected true or false');
    expect(usageError(() => parse('-Ax')).message).toBe('unknown flag "-Ax" for "meshgate get"');
  });

  test('usage errors exit 2', () => {
    expect(usageError(() => parse('--nope')).exitCode).toBe(2);
  });
});
