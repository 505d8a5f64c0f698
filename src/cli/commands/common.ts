import { flagValues, type ParsedArgs } from '../args.ts';
import { PROGRAM } from '../command.ts';
import { UsageError } from '../errors.ts';

/** The `-f` values of a verb that needs manifests; a usage error when there are none. */
export function requireFiles(args: ParsedArgs, verb: string): string[] {
  const specs = flagValues(args, 'file');
  if (specs.length === 0) throw new UsageError(`${PROGRAM} ${verb} needs at least one -f FILE|DIR|-`, `Run '${PROGRAM} ${verb} --help' for usage.`);
  return specs;
}
