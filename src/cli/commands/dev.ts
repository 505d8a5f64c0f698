import { flagSet, flagValue, flagValues, type FlagSpec } from '../args.ts';
import type { Command } from '../command.ts';
import { contextPath, removeContext, writeContext, type CliContext } from '../context.ts';
import { CliError, EXIT_ERROR, EXIT_OK, UsageError } from '../errors.ts';
import { collectManifests } from '../files.ts';
import { loadManifest } from '../../config/manifest.ts';
import { DEFAULT_PORTS, defaultBuildDir, MeshStartAborted, MeshStartError, startMesh, type RunningMesh, type TlsBinding } from '../dev/mesh.ts';
import { bookinfoDemo, type Demo } from '../dev/demo.ts';
import { tmpdir } from 'node:os';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { mtlsBindingName } from '../../gateway/router/upstream-tls.ts';
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
  { name: 'mtls', type: 'string', repeatable: true, value: 'NAME=CERT.pem,KEY.pem[,CA.pem]', description: 'client certificate for TLS origination: binding MTLS_<NAME> on both gateways, used by DestinationRule credentialName NAME (see docs/egress-tls.md); repeatable' },
  { name: 'ca-cert', type: 'string', repeatable: true, value: 'NAME=CA.pem', description: 'private CA trusted by binding MTLS_<NAME> (DestinationRule tls SIMPLE with credentialName NAME, or caCertificates …/NAME.pem); repeatable' },
];

function port(args: Parameters<Command['run']>[0]['args'], role: 'admin' | 'ingress' | 'egress'): number {
  const v = flagValue(args, `${role}-port`);
  if (v === undefined) return DEFAULT_PORTS[role];
  const n = Number(v);
  if (!/^\d+$/.test(v) || n > 65535) throw new UsageError(`invalid value "${v}" for --${role}-port: expected a port number 0-65535 (0 picks a free one)`, "Run 'meshgate dev --help' for usage.");
  return n;
}

const DEV_HINT = "Run 'meshgate dev --help' for usage.";

/** Reads one PEM file for a TLS flag; throws UsageError naming the flag and file. */
function pemFile(flag: string, file: string, cwd: string, label: RegExp, what: string): string {
  const abs = path.resolve(cwd, file);
  let text: string;
  try {
    if (!statSync(abs).isFile()) throw new Error('not a file');
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read ${what} "${file}": ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`, DEV_HINT);
  }
  if (!label.test(text)) throw new UsageError(`${flag}: "${file}" is not a PEM ${what} (expected a -----BEGIN ${what === 'private key' ? '… PRIVATE KEY' : 'CERTIFICATE'}----- block)`, DEV_HINT);
  return text;
}

const CERT_PEM = /-----BEGIN CERTIFICATE-----/;
const KEY_PEM = /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/;

/**
 * `--mtls NAME=CERT.pem,KEY.pem[,CA.pem]` and `--ca-cert NAME=CA.pem` → startMesh `tlsBindings`,
 * keyed by binding name (`partner-client` → MTLS_PARTNER_CLIENT; a name given as MTLS_… is kept).
 */
export function tlsBindingsFromFlags(mtls: readonly string[], caCerts: readonly string[], cwd: string): Record<string, TlsBinding> {
  const out: Record<string, TlsBinding> = {};
  const split = (flag: string, spec: string, shape: string) => {
    const eq = spec.indexOf('=');
    const name = eq > 0 ? spec.slice(0, eq).trim() : '';
    if (!name || !/[A-Za-z0-9]/.test(name) || eq === spec.length - 1) throw new UsageError(`invalid ${flag} "${spec}": expected ${shape}`, DEV_HINT);
    return { binding: /^MTLS_[A-Z0-9_]+$/.test(name) ? name : mtlsBindingName(name), files: spec.slice(eq + 1).split(',').map((f) => f.trim()) };
  };
  for (const spec of mtls) {
    const shape = 'NAME=CERT.pem,KEY.pem[,CA.pem]';
    const { binding, files } = split('--mtls', spec, shape);
    if (files.length < 2 || files.length > 3 || files.some((f) => !f)) throw new UsageError(`invalid --mtls "${spec}": expected ${shape}`, DEV_HINT);
    if (out[binding]?.certificateChain !== undefined) throw new UsageError(`--mtls: binding ${binding} is given twice`, DEV_HINT);
    const [cert, key, ca] = files as [string, string, string?];
    const b: TlsBinding = (out[binding] ??= {});
    b.certificateChain = pemFile('--mtls', cert, cwd, CERT_PEM, 'certificate');
    b.privateKey = pemFile('--mtls', key, cwd, KEY_PEM, 'private key');
    if (ca !== undefined) (b.trustedCertificates ??= []).push(pemFile('--mtls', ca, cwd, CERT_PEM, 'certificate'));
  }
  for (const spec of caCerts) {
    const shape = 'NAME=CA.pem';
    const { binding, files } = split('--ca-cert', spec, shape);
    if (files.length !== 1 || !files[0]) throw new UsageError(`invalid --ca-cert "${spec}": expected ${shape}`, DEV_HINT);
    ((out[binding] ??= {}).trustedCertificates ??= []).push(pemFile('--ca-cert', files[0], cwd, CERT_PEM, 'certificate'));
  }
  return out;
}

export const dev: Command = {
  name: 'dev',
  summary: 'Run the mesh locally: control plane and both gateways in workerd',
  usage: 'dev [--no-demo] [--admin-port N] [--ingress-port N] [--egress-port N] [--token T] [--state DIR] [-f FILE]... [--mtls NAME=CERT,KEY[,CA]]... [--ca-cert NAME=CA]...',
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
    if (state !== undefined) usableStateDir(state);

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

    const tlsBindings = tlsBindingsFromFlags(flagValues(args, 'mtls'), flagValues(args, 'ca-cert'), print.io.cwd);

    const withDemo = !flagSet(args, 'no-demo');
    let demo: Demo | undefined;
    if (withDemo) {
      print.out('bundling the bookinfo demo…');
      try {
        demo = await bookinfoDemo(defaultBuildDir(state ?? tmpdir()));
      } catch (e) {
        throw new CliError(`cannot bundle the bookinfo demo: ${(e as Error).message}`, EXIT_ERROR, 'run `meshgate dev --no-demo` to start without it');
      }
    }

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
        manifests: [...(demo?.manifests ?? []), ...manifests],
        ...(Object.keys(tlsBindings).length ? { tlsBindings } : {}),
        ...(demo ? { extraWorkers: demo.workers, extraBindings: demo.bindings } : {}),
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
    if (demo) print.out(`bookinfo ${mesh.ingressUrl}/productpage  (open it in a browser; try the task manifests in examples/bookinfo/ with meshgate apply -f)`);
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

/** `--state DIR` must be a directory this user can create or write: refused before anything starts. */
function usableStateDir(dir: string): void {
  try {
    mkdirSync(path.resolve(dir), { recursive: true });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EEXIST' || code === 'ENOTDIR' ? 'it, or a folder on its path, is a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : (e as Error).message;
    throw new UsageError(`cannot use --state "${dir}": ${why}`, 'pass a directory you can write, or leave --state out to keep the state in a temporary one');
  }
}
