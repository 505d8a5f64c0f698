import type { Command } from '../command.ts';
import { analyze } from './analyze.ts';
import { apply } from './apply.ts';
import { ca } from './ca.ts';
import { del } from './delete.ts';
import { dev } from './dev.ts';
import { diff } from './diff.ts';
import { get } from './get.ts';
import { help } from './help.ts';
import { proxyConfig } from './proxy-config.ts';
import { proxyStatus } from './proxy-status.ts';
import { validate } from './validate.ts';
import { version } from './version.ts';

// The command table, in the order `meshgate --help` lists it. A new verb: one file, one line.
export const COMMANDS: readonly Command[] = [validate, analyze, dev, apply, get, diff, del, proxyStatus, proxyConfig, ca, version, help];
