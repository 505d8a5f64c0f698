import { readFileSync } from 'node:fs';
import { flagValue, OUTPUT_FLAG } from '../args.ts';
import { PROGRAM, type Command } from '../command.ts';
import { EXIT_OK } from '../errors.ts';
import { isOutputFormat, render } from '../output.ts';

// The version is package.json's: the CLI runs from a clone, so there is no build to stamp it.
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export const version: Command = {
  name: 'version',
  summary: 'Print the meshgate version',
  usage: 'version [-o yaml|json]',
  flags: [OUTPUT_FLAG],
  async run({ args, print }) {
    const v = packageVersion();
    const format = flagValue(args, 'output');
    if (isOutputFormat(format)) print.io.stdout(render({ clientVersion: { version: v } }, format));
    else print.out(`${PROGRAM} ${v}`);
    return EXIT_OK;
  },
};
