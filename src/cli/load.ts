import { loadManifest, type LoadedResource } from '../config/manifest.ts';
import type { Issue } from '../config/issues.ts';
import { CliError } from './errors.ts';
import { collectManifests } from './files.ts';
import type { Printer } from './io.ts';

// Reads every `-f` input and loads it offline (validate, analyze; apply/diff will send the same
// files to the server). Each file is loaded with its path as `source`, so issues point at it.

export interface LoadedInputs {
  files: number;
  resources: LoadedResource[];
  issues: Issue[];
}

export async function loadInputs(specs: readonly string[], print: Printer): Promise<LoadedInputs> {
  const { inputs, emptyDirs } = await collectManifests(specs, print.io);
  if (inputs.length === 0) {
    const where = emptyDirs.map((d) => `"${d}"`).join(', ');
    throw new CliError(`no manifests found in ${where} (looked for *.yaml, *.yml and *.json files, recursively)`, 1, 'add Istio manifests there, or point -f at a manifest file or another directory');
  }
  for (const d of emptyDirs) print.err(`warning: no manifests found in "${d}"`);
  const resources: LoadedResource[] = [];
  const issues: Issue[] = [];
  for (const input of inputs) {
    const r = loadManifest(input.text, { source: input.source });
    resources.push(...r.resources);
    issues.push(...r.issues);
  }
  return { files: inputs.length, resources, issues };
}

/** Fails when the inputs held no resource at all (only comments, empty documents). */
export function requireSomething(loaded: LoadedInputs, specs: readonly string[]): void {
  if (loaded.resources.length === 0 && loaded.issues.length === 0) {
    throw new CliError(`no resources found in ${specs.map((s) => `"${s}"`).join(', ')}`, 1, 'each manifest needs at least one document with apiVersion, kind, metadata and spec');
  }
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
