import { FILE_FLAG, flagValue, NAMESPACE_FLAG } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { CliError, EXIT_ERROR, EXIT_OK } from '../errors.ts';
import { unifiedDiff } from '../linediff.ts';
import { render } from '../output.ts';
import { kindQualified, resourcePath } from '../resources.ts';
import { formatIssue } from '../../config/issues.ts';
import { splitApiVersion } from '../../config/kinds/registry.ts';
import type { KindDef } from '../../config/kinds/types.ts';
import { loadManifest } from '../../config/manifest.ts';
import { requireFiles } from './common.ts';
import { connect, readManifestFiles } from './remote.ts';

// `meshgate diff -f …`: what `apply` would change. For each resource, the live one (GET) and the
// manifest's are compared as YAML of what a user owns — apiVersion, kind, name, namespace, labels,
// annotations and the spec — never the server-set metadata (resourceVersion, generation, uid,
// creationTimestamp). Keys are sorted on both sides so reordering a manifest is no change.
// Exit codes as kubectl diff: 0 no differences, 1 differences, 2 an error.

export const EXIT_DIFF_ERROR = 2;

type Json = unknown;

function sortKeys(v: Json): Json {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, Json>)[k])]));
  }
  return v;
}

/** The part of a resource a user owns, as sorted YAML. */
export function ownedYaml(def: KindDef, apiVersion: string, obj: { metadata?: Record<string, unknown> } & Record<string, unknown>, namespace: string): string {
  const m = obj.metadata ?? {};
  const metadata: Record<string, unknown> = { name: m.name, namespace: (m.namespace as string | undefined) ?? namespace };
  if (m.labels && Object.keys(m.labels).length) metadata.labels = m.labels;
  if (m.annotations && Object.keys(m.annotations).length) metadata.annotations = m.annotations;
  const body = obj[def.body] ?? {};
  return render(sortKeys({ apiVersion, kind: def.kind, metadata, [def.body]: body }), 'yaml');
}

export const diff: Command = {
  name: 'diff',
  summary: 'Show what apply would change, as a unified diff against the live resources',
  usage: 'diff -f FILE|DIR|- [-f ...] [-n NS]',
  description:
    'Compare the manifests with the live resources and print a unified diff of each resource that\n' +
    'would change (spec, labels, annotations; server-set metadata is ignored). A resource that does\n' +
    'not exist yet is shown whole, marked (created). Exit 0 when nothing would change, 1 when\n' +
    'something would, 2 or more on an error (the convention of kubectl diff).',
  examples: ['meshgate diff -f examples/bookinfo/', 'meshgate diff -f reviews.yaml && echo up to date'],
  flags: [FILE_FLAG, NAMESPACE_FLAG, ...CONNECTION_FLAGS],
  async run(ctx) {
    try {
      return await runDiff(ctx);
    } catch (e) {
      // Errors are exit 2 here: 1 means "there are differences".
      if (e instanceof CliError && e.exitCode === EXIT_ERROR) throw new CliError(e.message, EXIT_DIFF_ERROR, e.hint);
      throw e;
    }
  },
};

async function runDiff({ args, print }: Parameters<Command['run']>[0]): Promise<number> {
  const specs = requireFiles(args, 'diff');
  const namespace = flagValue(args, 'namespace') || undefined;
  const client = connect(args, print);
  const files = await readManifestFiles(specs, print);

  const loaded = files.map((f) => ({ file: f, ...loadManifest(f.text, { source: f.source, ...(namespace ? { namespace } : {}) }) }));
  const errors = loaded.flatMap((l) => l.issues.filter((i) => i.severity === 'error'));
  if (errors.length) {
    for (const e of errors) print.err(formatIssue(e));
    throw new CliError(`${errors.length === 1 ? 'an error' : `${errors.length} errors`} in the manifests: nothing to compare`, EXIT_DIFF_ERROR, 'fix them (meshgate validate -f FILE) and run meshgate diff again');
  }
  const resources = loaded.flatMap((l) => l.resources);
  if (resources.length === 0) throw new CliError(`no resources found in ${specs.map((s) => `"${s}"`).join(', ')}`, EXIT_DIFF_ERROR);

  let differences = 0;
  for (const r of resources) {
    const { def, resource } = r;
    const { name, namespace: ns } = resource.metadata;
    // Compare in the version the manifest is written in, so the apiVersion line is no difference.
    const { version } = splitApiVersion(r.requestedApiVersion);
    const apiVersion = def.versions.includes(version) ? r.requestedApiVersion : resource.apiVersion;
    const res = await client.request<Record<string, unknown>>('GET', resourcePath(def, { version, namespace: ns, name }), { accept: [404] });
    const local = ownedYaml(def, apiVersion, { ...resource, [def.body]: resource.spec } as unknown as Record<string, unknown>, ns);
    const label = `${kindQualified(def)}/${ns}/${name}`;
    if (res.status === 404) {
      differences++;
      print.io.stdout(unifiedDiff('', local, { from: '/dev/null', to: `${label} (created)` }));
      continue;
    }
    const live = ownedYaml(def, apiVersion, res.body, ns);
    const text = unifiedDiff(live, local, { from: `${label} (live)`, to: `${label} (merged)` });
    if (text) {
      differences++;
      print.io.stdout(text);
    }
  }
  return differences ? EXIT_ERROR : EXIT_OK;
}
