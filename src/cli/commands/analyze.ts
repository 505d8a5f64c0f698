import { analyze as runAnalyzers } from '../../config/analyze/index.ts';
import type { Issue, Severity } from '../../config/issues.ts';
import { FILE_FLAG, flagSet, flagValue, flagValues, OUTPUT_FLAG } from '../args.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { mergeOverLive, readLiveConfig } from '../live-config.ts';
import { connect } from './remote.ts';
import type { Command } from '../command.ts';
import { CliError, EXIT_ERROR, EXIT_OK } from '../errors.ts';
import { lastDefinitionWins, loadInputs, plural, requireSomething, type LoadedInputs } from '../load.ts';
import { isOutputFormat, render } from '../output.ts';

// `meshgate analyze -f …`: schema validation plus the cross-resource analyzers of
// src/config/analyze (dangling hosts, subsets, gateways, …). Findings print as `istioctl analyze`
// prints its messages (diag/message.go), errors first: `Warning [IST0101] (VirtualService
// bookinfo.default vs.yaml:12) spec.http[0]…: message`; `-o json|yaml` objects carry istioctl's
// fields (code, level, origin, reference, message, documentationUrl) beside meshgate's own.
// Analyzers see only the resources that validated.

const LEVELS: readonly [Severity, string][] = [['error', 'Error'], ['warning', 'Warning'], ['info', 'Info']];
const LEVEL = new Map(LEVELS);

/** istioctl's origin: `Kind name.namespace`. */
function origin(i: Issue): string | undefined {
  return i.kind ? `${i.kind} ${i.name ?? '?'}${i.namespace ? `.${i.namespace}` : ''}` : undefined;
}

/** istioctl's reference: `file:line`. */
function reference(i: Issue): string | undefined {
  return i.source !== undefined ? [i.source, i.line].filter((x) => x !== undefined).join(':') : undefined;
}

/** One line, as istioctl prints a message: `Level [CODE] (origin reference) path: message`. */
function analyzeLine(i: Issue): string {
  const where = [origin(i) ?? `document ${i.document ?? 0}`, reference(i)].filter((x) => x !== undefined).join(' ');
  return `${LEVEL.get(i.severity)}${i.code ? ` [${i.code}]` : ''} (${where}) ${i.path ? `${i.path}: ` : ''}${i.message}`;
}

/** A finding for `-o json|yaml`: istioctl's message fields, then meshgate's. */
function structured(i: Issue) {
  const o = origin(i);
  const r = reference(i);
  const { message, ...own } = i;
  return {
    ...(i.code ? { code: i.code } : {}),
    level: LEVEL.get(i.severity)!,
    ...(o ? { origin: o } : {}),
    ...(r ? { reference: r } : {}),
    message,
    ...(i.code?.startsWith('IST') ? { documentationUrl: `https://istio.io/latest/docs/reference/config/analysis/${i.code.toLowerCase()}/` } : {}),
    ...own,
  };
}

export const analyze: Command = {
  name: 'analyze',
  summary: 'Validate manifests and run cross-resource checks',
  usage: 'analyze [-f FILE|DIR|- ...] [--live] [-o yaml|json]',
  description:
    'Validate Istio manifests and analyze them together (references between resources), printing\n' +
    'findings one per line as istioctl analyze prints them, errors first. Exits 1 when there is an error.\n' +
    'With -f only: offline, the files alone. With no -f: the live config of the running mesh.\n' +
    'With -f and --live: the files as they would be after apply, over the live config.',
  examples: ['meshgate analyze -f examples/', 'meshgate analyze', 'meshgate analyze -f new-vs.yaml --live', 'meshgate analyze -f mesh/ -o json'],
  flags: [FILE_FLAG, OUTPUT_FLAG, { name: 'live', type: 'boolean', description: 'analyze the files together with the running mesh\'s config' }, ...CONNECTION_FLAGS],
  async run({ args, print }) {
    const specs = flagValues(args, 'file');
    const live = specs.length === 0 || flagSet(args, 'live');
    const loaded: LoadedInputs = specs.length ? await loadInputs(specs, print) : { files: 0, resources: [], issues: [] };
    if (specs.length) requireSomething(loaded, specs);
    const deduped = lastDefinitionWins(loaded.resources);
    loaded.resources = deduped.resources;
    loaded.issues.push(...deduped.issues);
    if (live) {
      const liveResources = await readLiveConfig(connect(args, print));
      loaded.resources = mergeOverLive(liveResources, loaded.resources);
    }
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
      print.io.stdout(render(LEVELS.flatMap(([l]) => issues.filter((i) => i.severity === l)).map(structured), format));
      return failed ? EXIT_ERROR : EXIT_OK;
    }
    const what = `${plural(loaded.resources.length, 'resource')}${live ? (specs.length ? ` (live config and ${plural(loaded.files, 'file')})` : ' (live config)') : ` in ${plural(loaded.files, 'file')}`}`;
    if (issues.length === 0) {
      print.out(`✔ No validation issues found when analyzing ${what}.`);
      return EXIT_OK;
    }
    const counts: string[] = [];
    for (const [severity] of LEVELS) {
      const group = issues.filter((i) => i.severity === severity);
      if (!group.length) continue;
      for (const i of group) print.out(analyzeLine(i));
      counts.push(plural(group.length, severity, severity === 'info' ? 'infos' : `${severity}s`));
    }
    print.out(`${failed ? '✘' : '✔'} ${counts.join(', ')} when analyzing ${what}.`);
    return failed ? EXIT_ERROR : EXIT_OK;
  },
};
