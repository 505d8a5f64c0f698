import { FILE_FLAG } from '../args.ts';
import type { Command } from '../command.ts';
import { formatIssue, type Issue } from '../../config/issues.ts';
import { EXIT_ERROR, EXIT_OK } from '../errors.ts';
import { loadInputs, plural, requireSomething } from '../load.ts';
import { requireFiles } from './common.ts';

// `meshgate validate -f …`: offline schema validation, one line per finding. Errors print as
// `file:line:col kind/ns/name path: message`; warnings and infos carry a `warning:`/`info:` prefix
// and do not fail the run.
export const validate: Command = {
  name: 'validate',
  summary: 'Validate manifests offline against the Istio schemas',
  usage: 'validate -f FILE|DIR|- [-f ...]',
  description: 'Validate Istio manifests offline, as the control plane would on apply. Prints every error\nas file:line:col kind/namespace/name field: message and exits 1 when there is one;\nwarnings are printed but do not fail.',
  examples: ['meshgate validate -f examples/', 'meshgate validate -f vs.yaml -f dr.yaml', 'kubectl get vs -o yaml | meshgate validate -f -'],
  flags: [FILE_FLAG],
  async run({ args, print }) {
    const specs = requireFiles(args, 'validate');
    const loaded = await loadInputs(specs, print);
    requireSomething(loaded, specs);
    for (const i of loaded.issues) print.out(issueLine(i));
    const errors = loaded.issues.filter((i) => i.severity === 'error');
    const warnings = loaded.issues.filter((i) => i.severity === 'warning').length;
    const files = plural(loaded.files, 'file');
    if (errors.length) {
      const badFiles = new Set(errors.map((i) => i.source)).size;
      print.out(`✘ ${plural(errors.length, 'error')} in ${badFiles === loaded.files ? files : `${badFiles} of ${files}`}${warnings ? `, ${plural(warnings, 'warning')}` : ''}; ${plural(loaded.resources.length, 'resource')} valid`);
      return EXIT_ERROR;
    }
    print.out(`✔ ${plural(loaded.resources.length, 'resource')} valid in ${files}${warnings ? ` (${plural(warnings, 'warning')})` : ''}`);
    return EXIT_OK;
  },
};

export const issueLine = (i: Issue) => (i.severity === 'error' ? formatIssue(i) : `${i.severity}: ${formatIssue(i)}`);
