import type { Command } from '../command.ts';
import { analyze } from './analyze.ts';
import { dev } from './dev.ts';
import { help } from './help.ts';
import { validate } from './validate.ts';
import { version } from './version.ts';

// The command table, in the order `meshgate --help` lists it. A new verb: one file, one line.
export const COMMANDS: readonly Command[] = [validate, analyze, dev, version, help];
