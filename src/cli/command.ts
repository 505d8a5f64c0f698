import { nearest } from '../config/syntax/suggest.ts';
import { flagLabel, HELP_FLAG, type FlagSpec, type ParsedArgs } from './args.ts';
import { UsageError } from './errors.ts';
import type { Printer } from './io.ts';

// What every verb declares. The command table (commands/index.ts) is a list of these, so adding
// a verb is one file plus one line there.
export interface Command {
  name: string;
  aliases?: readonly string[];
  /** One line for the command list. */
  summary: string;
  /** Usage line after `meshgate `, e.g. `validate -f FILE|DIR|- [-f ...]`. */
  usage: string;
  /** Longer description for `meshgate <command> --help`. */
  description?: string;
  examples?: readonly string[];
  /** Flags besides -h/--help (added to every command). */
  flags: readonly FlagSpec[];
  /** Positional arguments accepted: default none. */
  maxArgs?: number;
  run(ctx: CommandContext): Promise<number>;
}

export interface CommandContext {
  args: ParsedArgs;
  print: Printer;
  /** The command table, for `help`. */
  commands: readonly Command[];
}

export const PROGRAM = 'meshgate';

/** Flags accepted before the command name. */
export const GLOBAL_FLAGS: readonly FlagSpec[] = [
  HELP_FLAG,
  { name: 'version', type: 'boolean', description: 'print the meshgate version' },
];

export const findCommand = (commands: readonly Command[], name: string) => commands.find((c) => c.name === name || c.aliases?.includes(name));

export function unknownCommand(commands: readonly Command[], name: string): UsageError {
  const near = nearest(name, commands.flatMap((c) => [c.name, ...(c.aliases ?? [])]));
  return new UsageError(`unknown command "${name}" for "${PROGRAM}"${near ? ` (did you mean "${near}"?)` : ''}`, `Run '${PROGRAM} --help' for the list of commands.`);
}

export function commandHelp(cmd: Command, helpFlag: FlagSpec): string {
  const lines: string[] = [cmd.description ?? cmd.summary, '', 'Usage:', `  ${PROGRAM} ${cmd.usage}`];
  if (cmd.aliases?.length) lines.push('', 'Aliases:', `  ${[cmd.name, ...cmd.aliases].join(', ')}`);
  if (cmd.examples?.length) lines.push('', 'Examples:', ...cmd.examples.map((e) => `  ${e}`));
  lines.push('', 'Flags:', ...flagLines([...cmd.flags, helpFlag]));
  return `${lines.join('\n')}\n`;
}

export function programHelp(commands: readonly Command[], globalFlags: readonly FlagSpec[]): string {
  const w = Math.max(...commands.map((c) => c.name.length));
  const lines = [
    `${PROGRAM} — Istio-compatible gateway mesh on Cloudflare Workers`,
    '',
    'Usage:',
    `  ${PROGRAM} <command> [flags]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}   ${c.summary}`),
    '',
    'Flags:',
    ...flagLines(globalFlags),
    '',
    `Run '${PROGRAM} <command> --help' for more about a command.`,
  ];
  return `${lines.join('\n')}\n`;
}

function flagLines(flags: readonly FlagSpec[]): string[] {
  const left = flags.map((f) => `${f.short ? '' : '    '}${flagLabel(f)}${f.type === 'string' ? ` ${f.value ?? 'VALUE'}` : ''}`);
  const w = Math.max(...left.map((l) => l.length));
  return flags.map((f, i) => `  ${left[i]!.padEnd(w)}   ${f.description}`);
}
