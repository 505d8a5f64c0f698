import { HELP_FLAG } from '../args.ts';
import { commandHelp, findCommand, GLOBAL_FLAGS, programHelp, unknownCommand, type Command } from '../command.ts';
import { EXIT_OK } from '../errors.ts';

export const help: Command = {
  name: 'help',
  summary: 'Show help for meshgate or one of its commands',
  usage: 'help [COMMAND]',
  flags: [],
  maxArgs: 1,
  async run({ args, print, commands }) {
    const name = args.positionals[0];
    if (name === undefined) {
      print.io.stdout(programHelp(commands, GLOBAL_FLAGS));
      return EXIT_OK;
    }
    const cmd = findCommand(commands, name);
    if (!cmd) throw unknownCommand(commands, name);
    print.io.stdout(commandHelp(cmd, HELP_FLAG));
    return EXIT_OK;
  },
};
