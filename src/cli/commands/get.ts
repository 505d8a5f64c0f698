import { ALL_NAMESPACES_FLAG, flagSet, flagValue, NAMESPACE_FLAG, OUTPUT_FLAG } from '../args.ts';
import { PROGRAM, type Command } from '../command.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { EXIT_ERROR, EXIT_OK, UsageError } from '../errors.ts';
import { formatTable, isOutputFormat, renderResources, type Cell } from '../output.ts';
import { age, notFoundLine, requireKind, resourcePath } from '../resources.ts';
import { KINDS } from '../../config/kinds/registry.ts';
import type { KindDef } from '../../config/kinds/types.ts';
import { connect } from './remote.ts';

// `meshgate get KIND [NAME...] [-n NS | -A] [-o yaml|json]`: kubectl get for the mesh's kinds.
// Tables carry the columns Istio's CRDs declare (additionalPrinterColumns), so the output reads
// like `kubectl get vs` on a cluster.

interface WireResource {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; creationTimestamp?: string };
  spec?: Record<string, unknown>;
}

/** Istio's printer columns: a list prints as kubectl prints a JSONPath array, `["a","b"]`. */
const list = (v: unknown): Cell => (Array.isArray(v) ? JSON.stringify(v) : v === undefined ? undefined : String(v));
const field = (v: unknown): Cell => (v === undefined || v === null ? undefined : typeof v === 'object' ? JSON.stringify(v) : String(v));

const COLUMNS: Record<string, { names: string[]; cells: (spec: Record<string, unknown>) => Cell[] }> = {
  VirtualService: { names: ['GATEWAYS', 'HOSTS'], cells: (s) => [list(s.gateways), list(s.hosts)] },
  DestinationRule: { names: ['HOST'], cells: (s) => [field(s.host)] },
  ServiceEntry: { names: ['HOSTS', 'LOCATION', 'RESOLUTION'], cells: (s) => [list(s.hosts), field(s.location), field(s.resolution)] },
};

export function resourceTable(def: KindDef, items: readonly WireResource[], opts: { allNamespaces: boolean; now?: number }): string {
  const extra = COLUMNS[def.kind] ?? { names: [], cells: () => [] };
  const columns = [...(opts.allNamespaces ? ['NAMESPACE'] : []), 'NAME', ...extra.names, 'AGE'];
  const rows = items.map((r) => [
    ...(opts.allNamespaces ? [r.metadata?.namespace] : []),
    r.metadata?.name,
    ...extra.cells((r.spec ?? {}) as Record<string, unknown>),
    age(r.metadata?.creationTimestamp, opts.now),
  ]);
  return formatTable(columns, rows);
}

const byNamespaceName = (a: WireResource, b: WireResource) => {
  const ka = `${a.metadata?.namespace ?? ''}\u0000${a.metadata?.name ?? ''}`;
  const kb = `${b.metadata?.namespace ?? ''}\u0000${b.metadata?.name ?? ''}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

const usageHint = `Run '${PROGRAM} get --help' for usage.`;

export const get: Command = {
  name: 'get',
  summary: 'List resources, or show one, like kubectl get',
  usage: 'get KIND [NAME...] [-n NS | -A] [-o yaml|json]',
  description:
    'Display resources of one kind in a namespace (default "default") or, with -A, in all of them.\n' +
    'KIND is any kubectl-style name: vs, virtualservice(s), VirtualService,\n' +
    'virtualservices.networking.istio.io (also dr, se, gw, we, sidecar, pa, ra, ap, telemetry).\n' +
    'With -o yaml|json prints the resources: one alone, several as a List.',
  examples: ['meshgate get vs', 'meshgate get destinationrules -A', 'meshgate get vs reviews -n bookinfo -o yaml'],
  flags: [NAMESPACE_FLAG, ALL_NAMESPACES_FLAG, OUTPUT_FLAG, ...CONNECTION_FLAGS],
  maxArgs: Infinity,
  async run({ args, print }) {
    const [kindName, ...names] = args.positionals;
    if (kindName === undefined) {
      throw new UsageError('you must specify the type of resource to get', `kinds: ${KINDS.map((k) => k.plural).join(', ')}\n${usageHint}`);
    }
    const def = requireKind(kindName);
    const all = flagSet(args, 'all-namespaces');
    const namespace = flagValue(args, 'namespace') || 'default';
    if (all && names.length) throw new UsageError('a resource cannot be retrieved by name across all namespaces', usageHint);
    const format = flagValue(args, 'output');
    const client = connect(args, print);

    let items: WireResource[] = [];
    let missing = 0;
    if (names.length) {
      for (const name of names) {
        const res = await client.request<WireResource>('GET', resourcePath(def, { namespace, name }), { accept: [404] });
        if (res.status === 404) {
          missing++;
          print.err(notFoundLine(def, name));
        } else items.push(res.body);
      }
    } else {
      const res = await client.request<{ items?: WireResource[] }>('GET', resourcePath(def, all ? {} : { namespace }));
      items = [...(res.body.items ?? [])].sort(byNamespaceName);
    }

    if (isOutputFormat(format)) {
      if (items.length || !names.length) print.io.stdout(renderResources(items, format, { single: names.length === 1 }));
    } else if (items.length) {
      print.io.stdout(resourceTable(def, items, { allNamespaces: all }));
    } else if (!names.length) {
      print.err(all ? 'No resources found' : `No resources found in ${namespace} namespace.`);
    }
    return missing ? EXIT_ERROR : EXIT_OK;
  },
};
