import type { Issue } from '../issues.ts';
import type { LoadedResource } from '../manifest.ts';

// Placeholder: the analyzers land in this folder.
export function analyze(_resources: LoadedResource[], _opts?: { meshConfig?: unknown }): Issue[] {
  return [];
}
