import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CliError, EXIT_ERROR } from './errors.ts';
import type { CliIO } from './io.ts';

// `-f FILE|DIR|-` for every verb that reads manifests (validate, analyze, apply, delete, diff).
// A file is read whatever its extension; a directory contributes its *.yaml, *.yml and *.json
// files, recursively, in sorted order; `-` is stdin (once). Sources keep the spelling the user
// gave (`examples/vs.yaml`), so messages point where the user looks.

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'] as const;

export interface ManifestInput {
  /** Path as shown to the user, or `-` for stdin. */
  source: string;
  text: string;
}

export interface CollectResult {
  inputs: ManifestInput[];
  /** Directories given with -f that held no manifest files. */
  emptyDirs: string[];
}

const isManifestName = (name: string) => MANIFEST_EXTENSIONS.some((ext) => name.toLowerCase().endsWith(ext));

export async function collectManifests(specs: readonly string[], io: CliIO): Promise<CollectResult> {
  const inputs: ManifestInput[] = [];
  const emptyDirs: string[] = [];
  let stdinUsed = false;
  for (const spec of specs) {
    if (spec === '-') {
      if (stdinUsed) throw new CliError('stdin (-f -) can be given only once');
      stdinUsed = true;
      inputs.push({ source: '-', text: await io.readStdin() });
      continue;
    }
    if (spec === '') throw new CliError('empty path given to -f', EXIT_ERROR, 'pass a file, a directory, or - for stdin');
    const abs = path.resolve(io.cwd, spec);
    const st = await stat(abs).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') {
        throw new CliError(`the path "${spec}" does not exist`, EXIT_ERROR, 'check the spelling, or pass an existing manifest file, a directory of *.yaml/*.yml/*.json files, or - for stdin');
      }
      throw new CliError(`cannot read "${spec}": ${e.message}`);
    });
    if (st.isDirectory()) {
      const files = await walk(abs, spec);
      if (files.length === 0) emptyDirs.push(spec);
      for (const f of files) inputs.push({ source: f.shown, text: await read(f.abs, f.shown) });
    } else {
      inputs.push({ source: spec, text: await read(abs, spec) });
    }
  }
  return { inputs, emptyDirs };
}

async function read(abs: string, shown: string): Promise<string> {
  try {
    return await readFile(abs, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read "${shown}": ${(e as Error).message}`);
  }
}

/** Manifest files under `dir`, depth-first, entries sorted by name at each level. */
async function walk(abs: string, shown: string): Promise<{ abs: string; shown: string }[]> {
  let entries;
  try {
    entries = await readdir(abs, { withFileTypes: true });
  } catch (e) {
    throw new CliError(`cannot read directory "${shown}": ${(e as Error).message}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: { abs: string; shown: string }[] = [];
  for (const entry of entries) {
    const childAbs = path.join(abs, entry.name);
    const childShown = path.join(shown, entry.name);
    // Symlinked files are read; symlinked directories are not followed (no loops), like kubectl.
    const isFile = entry.isFile() || (entry.isSymbolicLink() && !!(await stat(childAbs).catch(() => undefined))?.isFile());
    if (entry.isDirectory()) out.push(...(await walk(childAbs, childShown)));
    else if (isFile && isManifestName(entry.name)) out.push({ abs: childAbs, shown: childShown });
  }
  return out;
}
