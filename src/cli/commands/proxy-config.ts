import { WATCH_NODE_PREFIX } from '../../xds/protocol.ts';
import { flagSet, flagValue, OUTPUT_FLAG } from '../args.ts';
import { PROGRAM, type Command } from '../command.ts';
import { serverErrors, type AdminClient } from '../client.ts';
import { CONNECTION_FLAGS } from '../connection.ts';
import { CliError, EXIT_OK, UsageError } from '../errors.ts';
import type { Printer } from '../io.ts';
import { formatTable, isOutputFormat, render, type Cell, type OutputFormat } from '../output.ts';
import type { Cluster } from '../../xds/resources/cluster.ts';
import type { ClusterLoadAssignment } from '../../xds/resources/endpoint.ts';
import type { Listener } from '../../xds/resources/listener.ts';
import type { RouteConfiguration } from '../../xds/resources/route.ts';
import type { Secret } from '../../xds/resources/secret.ts';
import { connect } from './remote.ts';
import type { SyncRow } from './proxy-status.ts';

// `meshgate proxy-config routes|clusters|listeners|endpoints|secrets [PROXY]`, like
// `istioctl proxy-config`: a table of one xDS type of a proxy's current snapshot
// (/debug/config_dump?proxy=ID), or with -o json|yaml the Envoy-shaped resources themselves.
// --watch reprints the table whenever the proxy's configuration changes: over the ADS WebSocket
// (/xds/ws) when this Node has a WebSocket client, else by polling config_dump every second.

interface Snapshot {
  version: string;
  config_version?: number;
  resources: { cluster: Cluster[]; endpoint: ClusterLoadAssignment[]; listener: Listener[]; route: RouteConfiguration[]; secret: Secret[] };
}

interface ConfigDump {
  node: { id: string; role: string; namespace?: string; labels?: Record<string, string> };
  snapshot?: Snapshot;
  error?: string;
}

type TypeName = 'routes' | 'clusters' | 'listeners' | 'endpoints' | 'secrets';
const TYPE_NAMES: readonly TypeName[] = ['routes', 'clusters', 'listeners', 'endpoints', 'secrets'];
const RESOURCE_KEY = { routes: 'route', clusters: 'cluster', listeners: 'listener', endpoints: 'endpoint', secrets: 'secret' } as const;

/** istioctl's short forms too: `route`, `cluster`, `listener`, `endpoint`, `secret`, `ep`. */
export function typeByName(name: string): TypeName | undefined {
  const n = name.toLowerCase();
  if (n === 'ep') return 'endpoints';
  return TYPE_NAMES.find((t) => t === n || t === `${n}s`);
}

/** Id prefix of the watch stream's own node, so it never disturbs the real proxy's sync state. */
export { WATCH_NODE_PREFIX };

// Istio's config metadata: `/apis/networking.istio.io/v1alpha3/namespaces/NS/virtual-service/NAME` → `NAME.NS`.
const configName = (md: { filter_metadata?: Record<string, Record<string, unknown>> } | undefined): string | undefined => {
  const path = md?.filter_metadata?.istio?.config;
  if (typeof path !== 'string') return undefined;
  const m = /\/namespaces\/([^/]+)\/[^/]+\/([^/]+)$/.exec(path);
  return m ? `${m[2]}.${m[1]}` : path;
};

/** istioctl describeRouteDomains: one domain as is; else the ones without a port, two and `+ N more...`. */
function describeDomains(domains: readonly string[]): string {
  if (domains.length <= 1) return domains[0] ?? '';
  const withoutPort = domains.filter((d) => !d.includes(':'));
  const list = withoutPort.length ? withoutPort : [...domains];
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

function describeMatch(m: RouteConfiguration['virtual_hosts'][number]['routes'][number]['match']): string {
  if (m.prefix !== undefined) return `${m.prefix}*`;
  if (m.path !== undefined) return m.path;
  if (m.safe_regex) return m.safe_regex.regex;
  return '/*';
}

export function configTable(type: TypeName, r: Snapshot['resources']): string {
  switch (type) {
    case 'routes':
      return formatTable(
        ['NAME', 'VHOST NAME', 'DOMAINS', 'MATCH', 'VIRTUAL SERVICE'],
        r.route.flatMap((rc) => rc.virtual_hosts.flatMap((vh) => vh.routes.map((rt): Cell[] => [rc.name, vh.name, describeDomains(vh.domains), describeMatch(rt.match), configName(rt.metadata) ?? '-']))),
      );
    case 'clusters':
      return formatTable(
        ['SERVICE FQDN', 'PORT', 'SUBSET', 'DIRECTION', 'TYPE', 'DESTINATION RULE'],
        r.cluster.map((c): Cell[] => {
          const parts = c.name.split('|');
          const dr = configName(c.metadata) ?? '-';
          if (parts.length === 4) return [parts[3], parts[1], parts[2] || '-', parts[0], c.type, dr];
          return [c.name, '-', '-', '-', c.type, dr];
        }),
      );
    case 'listeners':
      return formatTable(
        ['ADDRESSES', 'PORT', 'MATCH', 'DESTINATION'],
        r.listener.flatMap((l) =>
          l.filter_chains.flatMap((fc) =>
            fc.filters.map((f): Cell[] => [
              l.address.socket_address.address,
              l.address.socket_address.port_value,
              fc.filter_chain_match?.server_names?.length ? `SNI: ${fc.filter_chain_match.server_names.join(',')}` : 'ALL',
              `Route: ${f.typed_config.rds.route_config_name}`,
            ]),
          ),
        ),
      );
    case 'endpoints': {
      const assignments = [...r.endpoint, ...r.cluster.flatMap((c) => (c.load_assignment ? [c.load_assignment] : []))];
      return formatTable(
        ['ENDPOINT', 'STATUS', 'OUTLIER CHECK', 'CLUSTER'],
        assignments.flatMap((cla) =>
          cla.endpoints.flatMap((loc) =>
            loc.lb_endpoints.map((e): Cell[] => [`${e.endpoint.address.socket_address.address}:${e.endpoint.address.socket_address.port_value}`, e.health_status && e.health_status !== 'UNKNOWN' ? e.health_status : 'HEALTHY', 'OK', cla.cluster_name]),
          ),
        ),
      );
    }
    case 'secrets':
      return formatTable(
        ['RESOURCE NAME', 'TYPE'],
        r.secret.map((s): Cell[] => [s.name, s.validation_context ? 'CA' : s['meshgate.jwks'] !== undefined ? 'JWKS' : '-']),
      );
  }
}

function output(type: TypeName, snapshot: Snapshot, format: OutputFormat | undefined): string {
  if (format) return render(snapshot.resources[RESOURCE_KEY[type]], format);
  return configTable(type, snapshot.resources);
}

/** The proxy to show when none is named: istio-ingressgateway, else the only ingress, else the only proxy. */
export function defaultProxy(rows: readonly SyncRow[]): string {
  const real = rows.filter((r) => !r.proxy.startsWith(WATCH_NODE_PREFIX));
  const pick = real.find((r) => r.proxy === 'istio-ingressgateway') ?? (real.filter((r) => r.role === 'ingress').length === 1 ? real.find((r) => r.role === 'ingress') : undefined) ?? (real.length === 1 ? real[0] : undefined);
  if (pick) return pick.proxy;
  if (!real.length) throw new CliError('no proxy has connected to the control plane yet', 1, 'send a request through a gateway (it connects on its first request), then try again');
  throw new UsageError(`several proxies are connected; name one: ${real.map((r) => r.proxy).join(', ')}`, `e.g. ${PROGRAM} proxy-config routes ${real[0]!.proxy}`);
}

async function fetchDump(client: AdminClient, proxy: string): Promise<Snapshot> {
  const res = await client.request<ConfigDump>('GET', `/debug/config_dump?proxy=${encodeURIComponent(proxy)}`, { accept: [404] });
  if (res.status === 404) {
    const msg = serverErrors(res.body)[0]?.message ?? `proxy "${proxy}" has not connected`;
    throw new CliError(msg, 1, `${PROGRAM} proxy-status lists the connected proxies`);
  }
  return snapshotOf(res.body, proxy);
}

function snapshotOf(dump: ConfigDump, proxy: string): Snapshot {
  if (!dump?.snapshot) throw new CliError(`proxy "${proxy}" has no configuration yet${dump?.error ? `: ${dump.error}` : ''}`);
  return dump.snapshot;
}

/** Resolves on Ctrl-C (SIGINT) or SIGTERM. Replaceable in tests. */
export const interrupts = {
  wait(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        process.removeListener('SIGINT', done);
        process.removeListener('SIGTERM', done);
        resolve();
      };
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
  },
};

/** What we use of a WebSocket (the WHATWG one: Node's global or undici's). */
interface Socket {
  readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error' | 'message', fn: (ev: { data?: unknown; code?: number; reason?: string; message?: string; error?: unknown }) => void): void;
}
type SocketCtor = new (url: string, init: { headers: Record<string, string> }) => Socket;

/** A WebSocket client, if this Node has one: the global (Node ≥ 22, or --experimental-websocket), else undici's. */
async function webSocketClient(): Promise<SocketCtor | undefined> {
  const g = (globalThis as { WebSocket?: unknown }).WebSocket;
  if (typeof g === 'function') return g as SocketCtor;
  try {
    const m = (await import('undici')) as { WebSocket?: unknown };
    return typeof m.WebSocket === 'function' ? (m.WebSocket as SocketCtor) : undefined;
  } catch {
    return undefined;
  }
}

async function watch(client: AdminClient, proxy: string, first: Snapshot, show: (s: Snapshot) => void, print: Printer, poll: boolean): Promise<number> {
  const stop = interrupts.wait();
  let last = first.version;
  const Ctor = poll ? undefined : await webSocketClient();
  if (Ctor) {
    const dump = await client.request<ConfigDump>('GET', `/debug/config_dump?proxy=${encodeURIComponent(proxy)}`);
    const node = { ...dump.body.node, id: `${WATCH_NODE_PREFIX}${proxy}~${Math.random().toString(36).slice(2, 8)}` };
    const url = client.url('/xds/ws').replace(/^http/, 'ws');
    const ws = new Ctor(url, { headers: { authorization: `Bearer ${client.conn.token}` } });
    const ended = new Promise<'open-failed' | 'closed'>((resolve) => {
      let opened = false;
      ws.addEventListener('open', () => {
        opened = true;
        ws.send(JSON.stringify({ node }));
      });
      ws.addEventListener('message', (ev) => {
        let msg: { kind?: string; nonce?: string; snapshot?: Snapshot; message?: string };
        try {
          msg = JSON.parse(typeof ev.data === 'string' ? ev.data : Buffer.from(ev.data as ArrayBuffer).toString('utf8'));
        } catch {
          return;
        }
        if (msg.kind === 'full' && msg.snapshot) {
          if (msg.snapshot.version !== last) {
            last = msg.snapshot.version;
            print.out();
            show(msg.snapshot);
          }
          ws.send(JSON.stringify({ node, version_info: msg.snapshot.version, response_nonce: msg.nonce }));
        } else if (msg.kind === 'error') {
          print.err(`warning: the control plane said: ${msg.message}`);
        }
      });
      ws.addEventListener('error', () => {});
      ws.addEventListener('close', () => resolve(opened ? 'closed' : 'open-failed'));
    });
    const how = await Promise.race([stop.then(() => 'interrupted' as const), ended]);
    if (how === 'interrupted') {
      ws.close();
      return EXIT_OK;
    }
    if (how === 'closed') throw new CliError(`the watch stream from ${client.conn.server} closed`, 1, 'is `meshgate dev` still running? run the command again to reconnect');
    print.err(`warning: cannot open the WebSocket ${url}; polling /debug/config_dump every second instead`);
  }
  if (!poll && !Ctor) print.err('note: this Node has no WebSocket client; polling /debug/config_dump every second');
  // Polling: one config_dump a second, reprint when the snapshot version changes.
  let stopped = false;
  void stop.then(() => (stopped = true));
  while (!stopped) {
    await Promise.race([stop, new Promise((r) => setTimeout(r, 1000))]);
    if (stopped) break;
    const s = await fetchDump(client, proxy);
    if (s.version !== last) {
      last = s.version;
      print.out();
      show(s);
    }
  }
  return EXIT_OK;
}

export const proxyConfig: Command = {
  name: 'proxy-config',
  aliases: ['pc'],
  summary: "Show a gateway's routes, clusters, listeners, endpoints or secrets, like istioctl proxy-config",
  usage: 'proxy-config routes|clusters|listeners|endpoints|secrets [PROXY] [--proxy ID] [-o json|yaml] [--watch [--poll]]',
  description:
    "Show one part of a proxy's current xDS configuration, as the control plane serves it\n" +
    '(/debug/config_dump). PROXY defaults to istio-ingressgateway, else the only ingress gateway,\n' +
    'else the only proxy. -o json|yaml prints the Envoy resources of that type.\n' +
    '--watch reprints the table whenever the configuration changes, until Ctrl-C: it listens on the\n' +
    "ADS WebSocket (/xds/ws) when Node has a WebSocket client, and otherwise (or with --poll)\n" +
    'polls the control plane every second.',
  examples: ['meshgate proxy-config routes', 'meshgate proxy-config clusters istio-egressgateway', 'meshgate proxy-config routes -o json', 'meshgate proxy-config endpoints --watch'],
  flags: [
    { name: 'proxy', type: 'string', value: 'ID', description: 'proxy id (see meshgate proxy-status)' },
    { ...OUTPUT_FLAG, value: 'json|yaml' },
    { name: 'watch', short: 'w', type: 'boolean', description: 'reprint the table on every change, until Ctrl-C' },
    { name: 'poll', type: 'boolean', description: 'with --watch: poll every second instead of using the WebSocket' },
    ...CONNECTION_FLAGS,
  ],
  maxArgs: 2,
  async run({ args, print }) {
    const [typeArg, proxyArg] = args.positionals;
    const hint = `Run '${PROGRAM} proxy-config --help' for usage.`;
    if (typeArg === undefined) throw new UsageError(`name what to show: ${TYPE_NAMES.join(', ')}`, hint);
    const type = typeByName(typeArg);
    if (!type) throw new UsageError(`unknown configuration type "${typeArg}": expected one of ${TYPE_NAMES.join(', ')}`, hint);
    const flagProxy = flagValue(args, 'proxy');
    if (flagProxy !== undefined && proxyArg !== undefined && flagProxy !== proxyArg) throw new UsageError(`two proxies named: "${proxyArg}" and --proxy "${flagProxy}"`, hint);
    const rawFormat = flagValue(args, 'output');
    const format = isOutputFormat(rawFormat) ? rawFormat : undefined;
    const watching = flagSet(args, 'watch');
    if (flagSet(args, 'poll') && !watching) throw new UsageError('--poll works with --watch', hint);

    const client = connect(args, print);
    const proxy = flagProxy ?? proxyArg ?? defaultProxy((await client.request<SyncRow[]>('GET', '/debug/syncz')).body ?? []);
    const first = await fetchDump(client, proxy);
    const show = (s: Snapshot) => print.io.stdout(output(type, s, format));
    show(first);
    if (!watching) return EXIT_OK;
    return watch(client, proxy, first, show, print, flagSet(args, 'poll'));
  },
};
