import { nearest } from '../config/syntax/suggest.ts';
import { UsageError } from './errors.ts';

// Our own small argument parser (kubectl/cobra-flavoured), so the CLI has no extra dependency.
// Accepts `--name value`, `--name=value`, `-n value`, `-n=value`, `-nvalue`, boolean `--flag`,
// `--flag=true|false`, repeatable flags, and `--` to end flags.

export interface FlagSpec {
  /** Long name without dashes, e.g. `file`. */
  name: string;
  /** One-letter short name, e.g. `f`. */
  short?: string;
  /** `string` flags take a value; `boolean` flags do not. */
  type: 'string' | 'boolean';
  /** The flag may be given many times (values accumulate in order). Otherwise the last one wins. */
  repeatable?: boolean;
  /** Allowed values, checked at parse time. */
  choices?: readonly string[];
  /** Placeholder in help, e.g. `FILE`. */
  value?: string;
  description: string;
}

export interface ParsedArgs {
  /** String flags by long name; every occurrence in order. */
  values: Map<string, string[]>;
  /** Boolean flags that are set (true). */
  bools: Set<string>;
  positionals: string[];
}

export const flagLabel = (f: FlagSpec) => (f.short ? `-${f.short}, --${f.name}` : `--${f.name}`);

/** Parses `argv` (the part after the command name) against `flags`; throws UsageError. */
export function parseFlags(argv: readonly string[], flags: readonly FlagSpec[], context: string): ParsedArgs {
  const out: ParsedArgs = { values: new Map(), bools: new Set(), positionals: [] };
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short!, f]));
  const helpHint = `Run '${context} --help' for usage.`;

  const unknown = (written: string): never => {
    // `-file` and `--fiel` both point at `--file`; a lone unknown letter gets no guess.
    const bare = written.replace(/^-+/, '');
    const near = bare.length > 1 ? nearest(bare, flags.map((f) => f.name)) : undefined;
    throw new UsageError(`unknown flag "${written}" for "${context}"${near ? ` (did you mean "--${near}"?)` : ''}`, helpHint);
  };
  const set = (f: FlagSpec, written: string, value: string | undefined) => {
    if (f.type === 'boolean') {
      if (value === undefined || value === 'true') out.bools.add(f.name);
      else if (value === 'false') out.bools.delete(f.name);
      else throw new UsageError(`invalid value "${value}" for ${written}: expected true or false`, helpHint);
      return;
    }
    if (value === undefined) throw new UsageError(`flag needs an argument: ${written} ${f.value ?? 'VALUE'}`, helpHint);
    if (f.choices && !f.choices.includes(value)) {
      throw new UsageError(`invalid value "${value}" for ${written}: expected one of ${f.choices.join(', ')}`, helpHint);
    }
    const list = out.values.get(f.name) ?? [];
    out.values.set(f.name, f.repeatable ? [...list, value] : [value]);
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const written = `--${name}`;
      const f = byLong.get(name) ?? unknown(written);
      let value = eq < 0 ? undefined : arg.slice(eq + 1);
      if (value === undefined && f.type === 'string' && i + 1 < argv.length) value = argv[++i];
      set(f, written, value);
    } else if (arg.startsWith('-') && arg.length > 1) {
      const letter = arg[1]!;
      const written = `-${letter}`;
      const f = byShort.get(letter) ?? unknown(arg.length > 2 && arg[2] !== '=' ? arg : written);
      let value: string | undefined = arg.length > 2 ? arg.slice(arg[2] === '=' ? 3 : 2) : undefined;
      if (f.type === 'boolean' && arg.length > 2 && arg[2] !== '=') unknown(arg); // no `-Ax` bundling
      if (value === undefined && f.type === 'string' && i + 1 < argv.length) value = argv[++i];
      set(f, written, value);
    } else {
      out.positionals.push(arg); // includes a lone `-`
    }
  }
  return out;
}

export const flagValue = (p: ParsedArgs, name: string): string | undefined => p.values.get(name)?.at(-1);
export const flagValues = (p: ParsedArgs, name: string): string[] => p.values.get(name) ?? [];
export const flagSet = (p: ParsedArgs, name: string): boolean => p.bools.has(name);

// Flags shared by verbs (reuse these specs so the spelling stays the same everywhere).
export const FILE_FLAG: FlagSpec = { name: 'file', short: 'f', type: 'string', repeatable: true, value: 'FILE|DIR|-', description: 'manifest file, directory (its *.yaml, *.yml, *.json, recursively) or - for stdin; repeatable' };
export const OUTPUT_FLAG: FlagSpec = { name: 'output', short: 'o', type: 'string', choices: ['yaml', 'json'], value: 'yaml|json', description: 'output format' };
export const NAMESPACE_FLAG: FlagSpec = { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'namespace (default "default")' };
export const ALL_NAMESPACES_FLAG: FlagSpec = { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'all namespaces' };
export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'show help for this command' };
