import { flagSet, flagValue, flagValues, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { contextPath, removeContext, writeContext, type CliContext } from '../context.ts';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../errors.ts';
import { collectManifests } from '../files.ts';
import { loadManifest } from '../../config/manifest.ts';
import { DEFAULT_PORTS, MeshStartAborted, MeshStartError, startMesh, type RunningMesh } from '../dev/mesh.ts';
import { issueLine } from './validate.ts';

// `meshgate dev`: the local mesh (DESIGN.md "The contract"). Bundles the workers, starts one
// workerd with the control plane and both gateways on 127.0.0.1, applies `-f` manifests, prints
// one line per listener, writes the CLI context, and serves until SIGINT/SIGTERM; then stops
// workerd and removes the context. Exit 0 after a clean stop, 1 when it cannot start.

const portFlag = (role: 'admin' | 'ingress' | 'egress', what: string): FlagSpec => ({ name: `${role}-port`, type: 'string', value: 'N', description: `${what} port (default ${DEFAULT_PORTS[role]}; 0 picks a free one)` });

const FLAGS: readonly FlagSpec[] = [
  { name: 'no-demo', type: 'boolean', description: 'do not start the bookinfo demo services and their config' },
  portFlag('admin', 'admin API (control plane)'),
  portFlag('ingress', 'ingress gateway (stands for edge port 80)'),
  portFlag('egress', 'egress gateway'),
  { name: 'token', type: 'string', value: 'T', description: 'admin API bearer token (default: random)' },
  { name: 'state', type: 'string', value: 'DIR', description: 'keep the control plane state in DIR so config survives a restart (default: a temp dir, removed on exit)' },
  { name: 'file', short: 'f', type: 'string', repeatable: true, value: 'FILE|DIR', description: 'manifest applied at start (validated first); repeatable' },
];

function port(args: Parameters<Command['run']>[0]['args'], role: 'admin' | 'ingress' | 'egress'): number {
  const v = flagValue(args, `${role}-port`);
  if (v === undefined) return DEFAULT_PORTS[role];
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new UsageError(`invalid value "${v}" for --${role}-port: expected a port number 0-65535 (0 picks a free one)`, "Run 'meshgate dev --help' for usage.");
  return n;
}

export const dev: Command = {
  name: 'dev',
  summary: 'Run the mesh locally: control plane and both gateways in workerd',
  usage: 'dev [--no-demo] [--admin-port N] [--ingress-port N] [--egress-port N] [--token T] [--state DIR] [-f FILE]...',
  description:
    'Start the control plane and the ingress and egress gateways in local workerd on 127.0.0.1,\n' +
    'apply the -f manifests, print one line per listener, and serve until interrupted (Ctrl-C).\n' +
    'The admin server and token are saved to ~/.meshgate/context.json ($MESHGATE_HOME) for the\n' +
    'other meshgate verbs, and removed on exit. GET /healthz on the admin port answers 200 once\n' +
    'the control plane and both gateways are up.',
  examples: ['meshgate dev', 'meshgate dev --no-demo -f examples/', 'meshgate dev --admin-port 0 --ingress-port 0 --egress-port 0 --state .meshgate-state'],
  flags: FLAGS,
  async run({ args, print }) {
    const ports = { admin: port(args, 'admin'), ingress: port(args, 'ingress'), egress: port(args, 'egress') };
    const token = flagValue(args, 'token');
    if (token !== undefined && !/^[\x21-\x7e]+$/.test(token)) throw new UsageError('invalid --token: use printable characters without spaces', "Run 'meshgate dev --help' for usage.");
    const state = flagValue(args, 'state');
    if (state === '') throw new UsageError('empty --state: pass a directory', "Run 'meshgate dev --help' for usage.");

    // Manifests are validated here first, so errors point at file:line:col (the server sees only a body).
    const specs = flagValues(args, 'file');
    if (specs.includes('-')) throw new UsageError('meshgate dev cannot read manifests from stdin (-f -)', 'save them to a file and pass -f FILE');
    const manifests: { source: string; text: string }[] = [];
    if (specs.length) {
      const { inputs, emptyDirs } = await collectManifests(specs, print.io);
      for (const d of emptyDirs) print.err(`warning: no manifests found in "${d}"`);
      const errors = inputs.flatMap((i) => loadManifest(i.text, { source: i.source }).issues.filter((x) => x.severity === 'error'));
      if (errors.length) {
        for (const e of errors.slice(1)) print.err(issueLine(e));
        throw new CliError(`invalid manifest ${issueLine(errors[0]!)}${errors.length > 1 ? ` (and ${errors.length - 1} more above)` : ''}; fix it and run meshgate dev again`);
      }
      manifests.push(...inputs);
    }

    if (!flagSet(args, 'no-demo')) print.out('note: the bookinfo demo is not bundled yet; starting without it (pass --no-demo to hide this note)');

    // Signals are ours from here on (startMesh removes Miniflare's exit-at-once handlers): the first
    // SIGINT/SIGTERM stops the mesh cleanly, also while it is still starting.
    const stop = new AbortController();
    const force = () => process.exit(EXIT_ERROR);
    let onInt = () => {};
    let onTerm = () => {};
    const release = () => {
      for (const l of [onInt, onTerm, force]) {
        process.removeListener('SIGINT', l);
        process.removeListener('SIGTERM', l);
      }
    };
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      const on = (sig: NodeJS.Signals) => {
        release();
        // A second signal while stopping: give up waiting and exit at once (workerd is killed on exit).
        process.once('SIGINT', force);
        process.once('SIGTERM', force);
        stop.abort();
        resolve(sig);
      };
      onInt = () => on('SIGINT');
      onTerm = () => on('SIGTERM');
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTerm);
    });

    let mesh: RunningMesh;
    try {
      mesh = await startMesh({
        adminPort: ports.admin,
        ingressPort: ports.ingress,
        egressPort: ports.egress,
        ...(token !== undefined ? { token } : {}),
        ...(state !== undefined ? { stateDir: state } : {}),
        manifests,
        ownSignals: true,
        signal: stop.signal,
        log: (l) => print.out(l),
      });
    } catch (e) {
      release();
      if (e instanceof MeshStartAborted) {
        print.out('stopped before the mesh was ready');
        return EXIT_OK;
      }
      if (e instanceof MeshStartError) {
        for (const d of e.details) print.err(d);
        throw new CliError(e.message, EXIT_ERROR, e.hint);
      }
      throw e;
    }

    const ctx: CliContext = { server: mesh.adminUrl, token: mesh.token };
    let contextFile: string | undefined;
    try {
      contextFile = writeContext(ctx, print.io.env);
    } catch (e) {
      print.err(`warning: cannot write ${contextPath(print.io.env)}: ${(e as Error).message}; other meshgate verbs will need --server and --token`);
    }
    const onExit = () => {
      if (contextFile) removeContext(print.io.env, ctx);
    };
    process.once('exit', onExit);

    print.out(`admin    ${mesh.adminUrl}  (token ${mesh.token})`);
    print.out(`ingress  ${mesh.ingressUrl}  (edge port 80)`);
    print.out(`egress   ${mesh.egressUrl}`);
    if (contextFile) print.out(`context  ${contextFile}`);
    if (state !== undefined) print.out(`state    ${mesh.stateDir}`);
    print.out('ready: serving until interrupted (Ctrl-C)');

    const signal = await stopped;
    print.out(`${signal === 'SIGINT' ? '\n' : ''}stopping…`);
    await mesh.stop();
    onExit();
    process.removeListener('exit', onExit);
    release();
    print.out('stopped');
    return EXIT_OK;
  },
};
