import { loadManifest, resourceKey, type LoadedResource } from '../config/manifest.ts';
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

/**
 * The resources as applying the files in order would leave them: a resource defined again in a
 * later file replaces the earlier one (kubectl's and istioctl's behaviour), with a warning at the
 * later one, so alternative versions of one resource (the bookinfo task files) are not analyzed
 * as conflicting with each other.
 */
export function lastDefinitionWins(resources: readonly LoadedResource[]): { resources: LoadedResource[]; issues: Issue[] } {
  const byKey = new Map<string, LoadedResource>();
  const issues: Issue[] = [];
  for (const r of resources) {
    const key = resourceKey(r.def, r.resource.metadata.namespace, r.resource.metadata.name);
    const prior = byKey.get(key);
    if (prior) {
      const m = r.resource.metadata;
      issues.push({ severity: 'warning', source: r.source, document: r.document, kind: r.resource.kind, namespace: m.namespace, name: m.name, path: 'metadata.name', ...r.pos?.(['metadata', 'name']), message: `also defined in ${prior.source ?? 'an earlier input'}; this later definition is the one analyzed, as apply would leave it` });
      byKey.delete(key); // keep file order: the later definition takes the later place
    }
    byKey.set(key, r);
  }
  return { resources: [...byKey.values()], issues };
}

/** Fails when the inputs held no resource at all (only comments, empty documents). */
export function requireSomething(loaded: LoadedInputs, specs: readonly string[]): void {
  if (loaded.resources.length === 0 && loaded.issues.length === 0) {
    throw new CliError(`no resources found in ${specs.map((s) => `"${s}"`).join(', ')}`, 1, 'each manifest needs at least one document with apiVersion, kind, metadata and spec');
  }
}

export const plural = (n: number, word: string, many = `${word}s`) => `${n} ${n === 1 ? word : many}`;
