import { FILE_FLAG, flagSet, flagValue, flagValues, NAMESPACE_FLAG } from '../args.ts';
import { PROGRAM, type Command } from '../command.ts';
import { ValidationFailure, serverErrorLine } from '../client.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../errors.ts';
import { kindQualified, notFoundLine, requireKind, resourcePath } from '../resources.ts';
import { formatIssue } from '../../config/issues.ts';
import { kindFor } from '../../config/kinds/registry.ts';
import { loadIdentities } from '../../config/manifest.ts';
import { connect, DRY_RUN_FLAG, query, readManifestFiles } from './remote.ts';

// `meshgate delete -f …` (POST /v1/delete per file; the specs need not validate) and
// `meshgate delete KIND NAME... [-n NS]` (DELETE on the resource path). kubectl's wording:
// `virtualservice.networking.istio.io "reviews" deleted`, and for a missing one
// `Error from server (NotFound): virtualservices.networking.istio.io "x" not found` (exit 1).

interface DeleteResult {
  group: string;
  kind: string;
  namespace: string;
  name: string;
  action: 'deleted' | 'not-found';
}

const usageHint = `Run '${PROGRAM} delete --help' for usage.`;

export const del: Command = {
  name: 'delete',
  summary: 'Delete resources by manifest or by kind and name',
  usage: 'delete (-f FILE|DIR|- [-f ...] | KIND NAME [NAME...]) [-n NS] [--dry-run] [--ignore-not-found]',
  description:
    'Delete the resources a manifest names (their specs need not validate), or resources by kind\n' +
    'and name. KIND is any kubectl-style name: vs, virtualservice(s), VirtualService,\n' +
    'virtualservices.networking.istio.io. A resource that does not exist is an error (exit 1)\n' +
    'unless --ignore-not-found.',
  examples: ['meshgate delete -f reviews.yaml', 'meshgate delete vs reviews -n bookinfo', 'meshgate delete destinationrule reviews ratings'],
  flags: [FILE_FLAG, NAMESPACE_FLAG, DRY_RUN_FLAG, { name: 'ignore-not-found', type: 'boolean', description: 'treat a resource that does not exist as deleted (exit 0)' }, ...CONNECTION_FLAGS],
  maxArgs: Infinity,
  async run({ args, print }) {
    const specs = flagValues(args, 'file');
    const namespace = flagValue(args, 'namespace');
    const dryRun = flagSet(args, 'dry-run');
    const ignoreNotFound = flagSet(args, 'ignore-not-found');
    const suffix = dryRun ? ' (dry run)' : '';
    const [kindName, ...names] = args.positionals;
    if (specs.length && kindName !== undefined) throw new UsageError('pass either -f FILE or KIND NAME, not both', usageHint);
    if (!specs.length && kindName === undefined) throw new UsageError('you must pass -f FILE or KIND NAME', usageHint);
    if (!specs.length && names.length === 0) {
      requireKind(kindName!);
      throw new UsageError(`resource(s) were provided, but no name was specified: ${PROGRAM} delete ${kindName} NAME`, usageHint);
    }
    const client = connect(args, print);
    let missing = 0;

    if (specs.length) {
      const files = await readManifestFiles(specs, print);
      let errors = 0;
      const todo: typeof files = [];
      for (const f of files) {
        const r = loadIdentities(f.text, { source: f.source, ...(namespace ? { namespace } : {}) });
        // Warnings (a Deployment or Service skipped) are printed and do not stop the delete.
        for (const i of r.issues) print.err(i.severity === 'error' ? formatIssue(i) : `Warning: ${formatIssue(i)}`);
        const bad = r.issues.filter((i) => i.severity === 'error').length;
        errors += bad;
        if (!bad && r.identities.length) todo.push(f);
      }
      if (errors) throw new CliError(`${errors === 1 ? 'an error' : `${errors} errors`} in the manifests: nothing was deleted`, EXIT_ERROR, 'fix them and run meshgate delete again');
      for (const f of todo) {
        const res = await client.request<{ results?: DeleteResult[] }>('POST', `/v1/delete${query({ namespace, dryRun: dryRun && 'true' })}`, { body: f.text, accept: [400] });
        if (res.status === 400) {
          const failure = client.failure(400, res.body);
          for (const e of failure instanceof ValidationFailure ? failure.errors : [{ message: failure.message }]) print.err(serverErrorLine(e, f.source));
          throw new CliError(`the server rejected "${f.source}"`);
        }
        for (const r of res.body.results ?? []) {
          const def = kindFor(r.group, r.kind);
          if (r.action === 'deleted') print.out(`${def ? kindQualified(def) : r.kind.toLowerCase()} "${r.name}" deleted${suffix}`);
          else if (!ignoreNotFound) {
            missing++;
            print.err(def ? `${notFoundLine(def, r.name).replace('(NotFound): ', `(NotFound): error when deleting "${f.source}": `)}` : `${r.kind} "${r.name}" not found`);
          }
        }
      }
    } else {
      const def = requireKind(kindName!);
      const ns = namespace || 'default';
      for (const name of names) {
        const path = resourcePath(def, { namespace: ns, name });
        // A dry run asks whether it exists; the real thing deletes it.
        const res = dryRun ? await client.request('GET', path, { accept: [404] }) : await client.request('DELETE', path, { accept: [404] });
        if (res.status === 404) {
          if (!ignoreNotFound) {
            missing++;
            print.err(notFoundLine(def, name));
          }
          continue;
        }
        print.out(`${kindQualified(def)} "${name}" deleted${suffix}`);
      }
    }
    return missing ? EXIT_ERROR : EXIT_OK;
  },
};
