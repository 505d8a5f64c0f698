import type { FlagSpec, ParsedArgs } from '../args.ts';
import { AdminClient } from '../client.ts';
import { resolveConnection } from '../connection.ts';
import { CliError } from '../errors.ts';
import { collectManifests, type ManifestInput } from '../files.ts';
import type { Printer } from '../io.ts';

// Shared by the verbs that talk to the admin API (apply, delete, diff, get, proxy-status,
// proxy-config).

export const DRY_RUN_FLAG: FlagSpec = { name: 'dry-run', type: 'boolean', description: 'only show what would happen: the server validates but stores nothing' };

/** The admin API client for this invocation (flags, then env, then the `meshgate dev` context). */
export const connect = (args: ParsedArgs, print: Printer) => new AdminClient(resolveConnection(args, print.io.env));

/** Every `-f` input as text, with a warning per empty directory; an error when there is none. */
export async function readManifestFiles(specs: readonly string[], print: Printer): Promise<ManifestInput[]> {
  const { inputs, emptyDirs } = await collectManifests(specs, print.io);
  if (inputs.length === 0) {
    const where = emptyDirs.map((d) => `"${d}"`).join(', ');
    throw new CliError(`no manifests found in ${where} (looked for *.yaml, *.yml and *.json files, recursively)`, 1, 'add Istio manifests there, or point -f at a manifest file or another directory');
  }
  for (const d of emptyDirs) print.err(`warning: no manifests found in "${d}"`);
  return inputs;
}

/** `?a=b&c=d` from the defined entries (empty string when none). */
export function query(params: Record<string, string | undefined | false>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
