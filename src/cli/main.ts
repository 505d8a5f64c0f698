import { flagSet, HELP_FLAG, parseFlags } from './args.ts';
import { commandHelp, findCommand, GLOBAL_FLAGS, PROGRAM, programHelp, unknownCommand, type Command } from './command.ts';
import { COMMANDS } from './commands/index.ts';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from './errors.ts';
import { nodeIO, printer, type CliIO } from './io.ts';
import { packageVersion } from './commands/version.ts';

// Entry point of the `meshgate` command (bin/meshgate.js calls it). Returns the exit code:
// 0 ok, 1 error, 2 usage error. All output goes through `io`, so tests run it in-process.
export async function main(argv: readonly string[], io: CliIO = nodeIO(), commands: readonly Command[] = COMMANDS): Promise<number> {
  const print = printer(io);
  try {
    // Global flags come before the command name: `meshgate --help`, `meshgate --version`.
    const first = argv.findIndex((a) => !a.startsWith('-') || a === '-');
    const globalArgv = first < 0 ? argv : argv.slice(0, first);
    const global = globalFlags(argv, globalArgv, commands);
    if (flagSet(global, 'version')) {
      print.out(`${PROGRAM} ${packageVersion()}`);
      return EXIT_OK;
    }
    const name = first < 0 ? undefined : argv[first]!;
    if (name === undefined || flagSet(global, 'help')) {
      io.stdout(programHelp(commands, GLOBAL_FLAGS));
      return EXIT_OK;
    }
    const cmd = findCommand(commands, name);
    if (!cmd) throw unknownCommand(commands, name);
    const context = `${PROGRAM} ${cmd.name}`;
    const args = parseFlags(argv.slice(first + 1), [...cmd.flags, HELP_FLAG], context);
    if (flagSet(args, 'help')) {
      io.stdout(commandHelp(cmd, HELP_FLAG));
      return EXIT_OK;
    }
    const stray = args.positionals[cmd.maxArgs ?? 0];
    if (stray !== undefined) {
      const takesFiles = cmd.flags.some((f) => f.name === 'file');
      throw new UsageError(`unexpected argument "${stray}" for "${context}"`, takesFiles ? `pass manifests with -f: ${context} -f ${stray}` : `Run '${context} --help' for usage.`);
    }
    return await cmd.run({ args, print, commands });
  } catch (e) {
    if (e instanceof CliError) {
      print.err(`error: ${e.message}`);
      if (e.hint) print.err(e.hint);
      return e.exitCode;
    }
    const err = e as Error;
    print.err(`error: internal: ${err?.message ?? String(e)}`);
    if (io.env.MESHGATE_DEBUG && err?.stack) print.err(err.stack);
    else print.err('set MESHGATE_DEBUG=1 for the stack trace; this is a bug in meshgate, please report it');
    return EXIT_ERROR;
  }
}

/**
 * The flags before the command name. kubectl users write `meshgate -n shop get vs`; meshgate
 * takes command flags after the command, and says so with the command line to run instead.
 */
function globalFlags(argv: readonly string[], globalArgv: readonly string[], commands: readonly Command[]) {
  try {
    return parseFlags(globalArgv, GLOBAL_FLAGS, PROGRAM);
  } catch (e) {
    const at = argv.findIndex((a) => findCommand(commands, a) !== undefined);
    if (!(e instanceof UsageError) || at < 0) throw e;
    const fixed = [argv[at]!, ...argv.slice(at + 1), ...argv.slice(0, at)].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`));
    throw new UsageError(e.message, `flags go after the command: ${PROGRAM} ${fixed.join(' ')}`);
  }
}
