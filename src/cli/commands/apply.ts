import { FILE_FLAG, flagSet, flagValue, NAMESPACE_FLAG } from '../args.ts';
import type { Command } from '../command.ts';
import { ValidationFailure, serverErrorLine } from '../client.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { CliError, EXIT_OK } from '../errors.ts';
import { plural } from '../load.ts';
import { kindQualified } from '../resources.ts';
import { formatIssue } from '../../config/issues.ts';
import { kindFor, splitApiVersion } from '../../config/kinds/registry.ts';
import { loadManifest } from '../../config/manifest.ts';
import { requireFiles } from './common.ts';
import { connect, DRY_RUN_FLAG, query, readManifestFiles } from './remote.ts';

// `meshgate apply -f …`: validate each file locally (so errors point at the user's file:line:col),
// then POST it to /v1/apply. Each file is all or nothing; an invalid file is skipped and the
// others are still applied, as kubectl does. One line per resource, kubectl's wording:
// `virtualservice.networking.istio.io/reviews created|configured|unchanged`.

interface ApplyResult {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
  action: string;
}

export const apply: Command = {
  name: 'apply',
  summary: 'Apply manifests to the mesh (create or update resources)',
  usage: 'apply -f FILE|DIR|- [-f ...] [-n NS] [--dry-run]',
  description:
    'Create or update the resources in the manifests. Each file is validated locally first (errors\n' +
    'print as file:line:col kind/namespace/name field: message) and then applied all or nothing;\n' +
    'a file with an error is not applied, the others are. Prints one line per resource:\n' +
    'created, configured or unchanged.',
  examples: ['meshgate apply -f examples/bookinfo/', 'meshgate apply -f reviews.yaml -n bookinfo --dry-run', 'cat vs.yaml | meshgate apply -f -'],
  flags: [FILE_FLAG, NAMESPACE_FLAG, DRY_RUN_FLAG, ...CONNECTION_FLAGS],
  async run({ args, print }) {
    const specs = requireFiles(args, 'apply');
    const namespace = flagValue(args, 'namespace');
    const dryRun = flagSet(args, 'dry-run');
    const client = connect(args, print);
    const files = await readManifestFiles(specs, print);

    const failed: string[] = [];
    let errorCount = 0;
    const valid: typeof files = [];
    for (const f of files) {
      const { resources, issues } = loadManifest(f.text, { source: f.source, ...(namespace ? { namespace } : {}) });
      for (const w of issues.filter((i) => i.severity === 'warning')) print.err(`Warning: ${formatIssue(w)}`);
      const errors = issues.filter((i) => i.severity === 'error');
      if (errors.length) {
        for (const e of errors) print.err(formatIssue(e));
        failed.push(f.source);
        errorCount += errors.length;
      } else if (resources.length) {
        valid.push(f);
      }
    }
    if (valid.length === 0 && failed.length === 0) {
      throw new CliError(`no resources found in ${specs.map((s) => `"${s}"`).join(', ')}`, 1, 'each manifest needs at least one document with apiVersion, kind, metadata and spec');
    }

    const suffix = dryRun ? ' (dry run)' : '';
    for (const f of valid) {
      const res = await client.request<{ results?: ApplyResult[]; errors?: unknown }>('POST', `/v1/apply${query({ namespace, dryRun: dryRun && 'true' })}`, { body: f.text, accept: [400] });
      if (res.status === 400) {
        const failure = client.failure(400, res.body);
        const errors = failure instanceof ValidationFailure ? failure.errors : [{ message: failure.message }];
        for (const e of errors) print.err(serverErrorLine(e, f.source));
        failed.push(f.source);
        errorCount += errors.length;
        continue;
      }
      for (const r of res.body.results ?? []) {
        const def = kindFor(splitApiVersion(r.apiVersion).group, r.kind);
        print.out(`${def ? kindQualified(def) : r.kind.toLowerCase()}/${r.name} ${r.action}${suffix}`);
      }
    }
    if (failed.length) {
      const applied = valid.length - failed.filter((s) => valid.some((v) => v.source === s)).length;
      throw new CliError(
        `${plural(errorCount, 'error')} in ${failed.map((s) => `"${s}"`).join(', ')}: ${failed.length === 1 ? 'that file was' : 'those files were'} not applied${applied ? `; ${plural(applied, 'other file')} ${applied === 1 ? 'was' : 'were'}` : ''}`,
        1,
        'fix the errors above (meshgate validate -f FILE checks offline) and apply again',
      );
    }
    return EXIT_OK;
  },
};
