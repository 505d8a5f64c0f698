import { analyze as runAnalyzers } from '../../config/analyze/index.ts';
import { formatIssue, type Issue, type Severity } from '../../config/issues.ts';
import { FILE_FLAG, flagValue, OUTPUT_FLAG } from '../args.ts';
import type { Command } from '../command.ts';
import { CliError, EXIT_ERROR, EXIT_OK } from '../errors.ts';
import { loadInputs, plural, requireSomething } from '../load.ts';
import { isOutputFormat, render } from '../output.ts';
import { requireFiles } from './common.ts';

// `meshgate analyze -f …`: schema validation plus the cross-resource analyzers of
// src/config/analyze (dangling hosts, subsets, gateways, …), findings grouped by severity like
// `istioctl analyze`. Analyzers see only the resources that validated.

const GROUPS: readonly [Severity, string][] = [['error', 'Error'], ['warning', 'Warning'], ['info', 'Info']];

export const analyze: Command = {
  name: 'analyze',
  summary: 'Validate manifests and run cross-resource checks',
  usage: 'analyze -f FILE|DIR|- [-f ...] [-o yaml|json]',
  description: 'Validate Istio manifests offline and analyze them together (references between\nresources), printing findings grouped by severity. Exits 1 when there is an error.',
  examples: ['meshgate analyze -f examples/', 'meshgate analyze -f mesh/ -o json'],
  flags: [FILE_FLAG, OUTPUT_FLAG],
  async run({ args, print }) {
    const specs = requireFiles(args, 'analyze');
    const loaded = await loadInputs(specs, print);
    requireSomething(loaded, specs);
    let found: Issue[];
    try {
      found = runAnalyzers(loaded.resources);
    } catch (e) {
      throw new CliError(`analysis failed: ${(e as Error).message}`, EXIT_ERROR, 'this is a bug in meshgate; please report it with the manifests that trigger it');
    }
    const issues = [...loaded.issues, ...found];
    const failed = issues.some((i) => i.severity === 'error');
    const format = flagValue(args, 'output');
    if (isOutputFormat(format)) {
      print.io.stdout(render(issues, format));
      return failed ? EXIT_ERROR : EXIT_OK;
    }
    const what = `${plural(loaded.resources.length, 'resource')} in ${plural(loaded.files, 'file')}`;
    if (issues.length === 0) {
      print.out(`✔ No validation issues found when analyzing ${what}.`);
      return EXIT_OK;
    }
    const counts: string[] = [];
    for (const [severity, title] of GROUPS) {
      const group = issues.filter((i) => i.severity === severity);
      if (!group.length) continue;
      print.out(`${title} (${group.length}):`);
      for (const i of group) print.out(`  ${formatIssue(i)}`);
      counts.push(plural(group.length, severity, severity === 'info' ? 'infos' : `${severity}s`));
    }
    print.out(`${failed ? '✘' : '✔'} ${counts.join(', ')} when analyzing ${what}.`);
    return failed ? EXIT_ERROR : EXIT_OK;
  },
};
