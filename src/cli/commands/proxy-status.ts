import { flagValue, OUTPUT_FLAG } from '../args.ts';
import type { Command } from '../command.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { EXIT_ERROR, EXIT_OK } from '../errors.ts';
import { formatTable, isOutputFormat, render } from '../output.ts';
import { humanDuration } from '../resources.ts';
import { WATCH_NODE_PREFIX } from './proxy-config.ts';
import { connect } from './remote.ts';

// `meshgate proxy-status [PROXY]`, like `istioctl proxy-status`: one row per proxy the control
// plane knows, the sync state of each xDS type (SYNCED / STALE / NOT SENT) from /debug/syncz,
// and the last NACK when a proxy rejected a snapshot.

export interface SyncRow {
  proxy: string;
  role: string;
  namespace?: string;
  version?: string;
  latest?: string;
  status: string;
  types?: Record<string, { sent?: string; acked?: string; status: string }>;
  lastNack?: { version: string; error: string; at: number | string };
  lastSeen?: string;
}

const TYPES = [
  ['CLUSTERS', 'cluster'],
  ['ENDPOINTS', 'endpoint'],
  ['LISTENERS', 'listener'],
  ['ROUTES', 'route'],
  ['SECRETS', 'secret'],
] as const;

export const shortVersion = (v: string | undefined) => (v ? v.slice(0, 8) : undefined);

export function proxyStatusTable(rows: readonly SyncRow[]): string {
  return formatTable(
    ['NAME', 'ROLE', ...TYPES.map(([c]) => c), 'VERSION'],
    rows.map((r) => [r.proxy, r.role, ...TYPES.map(([, t]) => r.types?.[t]?.status ?? 'NOT SENT'), shortVersion(r.version) ?? '-']),
  );
}

export const proxyStatus: Command = {
  name: 'proxy-status',
  aliases: ['ps'],
  summary: 'Show which configuration each gateway has applied, like istioctl proxy-status',
  usage: 'proxy-status [PROXY] [-o yaml|json]',
  description:
    'List the gateways (proxies) connected to the control plane and, per xDS type, whether each\n' +
    'runs the newest configuration: SYNCED (applied it), STALE (sent, not yet acknowledged, or a\n' +
    'newer one exists) or NOT SENT. A proxy that rejected a snapshot (NACK) gets a line with the\n' +
    'error; it keeps serving its last good configuration.',
  examples: ['meshgate proxy-status', 'meshgate proxy-status istio-ingressgateway -o yaml'],
  flags: [OUTPUT_FLAG, ...CONNECTION_FLAGS],
  maxArgs: 1,
  async run({ args, print }) {
    const client = connect(args, print);
    const only = args.positionals[0];
    const res = await client.request<SyncRow[]>('GET', '/debug/syncz');
    // `proxy-config --watch` streams register as nodes of their own; they are not gateways.
    let rows = (Array.isArray(res.body) ? res.body : []).filter((r) => !r.proxy.startsWith(WATCH_NODE_PREFIX));
    if (only !== undefined) {
      rows = rows.filter((r) => r.proxy === only);
      if (!rows.length) {
        print.err(`error: proxy "${only}" has not connected to the control plane`);
        print.err("run 'meshgate proxy-status' to list the proxies that have (a gateway connects on its first request)");
        return EXIT_ERROR;
      }
    }
    const format = flagValue(args, 'output');
    if (isOutputFormat(format)) {
      print.io.stdout(render(rows, format));
      return EXIT_OK;
    }
    if (!rows.length) {
      print.err('No proxies have connected to the control plane yet (gateways connect on their first request or poll).');
      return EXIT_OK;
    }
    print.io.stdout(proxyStatusTable(rows));
    for (const r of rows.filter((x) => x.lastNack)) {
      const n = r.lastNack!;
      const at = typeof n.at === 'number' ? n.at : Date.parse(n.at);
      const when = Number.isNaN(at) ? '' : ` ${humanDuration(Date.now() - at)} ago`;
      print.out(`NACK ${r.proxy}: rejected version ${shortVersion(n.version)}${when}: ${n.error}`);
    }
    return EXIT_OK;
  },
};
