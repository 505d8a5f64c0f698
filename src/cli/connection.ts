import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { flagValue, type FlagSpec, type ParsedArgs } from './args.ts';
import { CliError, EXIT_ERROR } from './errors.ts';

// Which control plane the remote verbs (apply, get, delete, diff, proxy-status, proxy-config)
// talk to, and with which token. Resolved per field in this order:
//   1. --server / --token flags
//   2. MESHGATE_SERVER / MESHGATE_TOKEN environment variables
//   3. the context file `meshgate dev` writes: $MESHGATE_HOME/context.json, else ~/.meshgate/context.json
// The context file's token is only used with the context file's server, so a token for the local
// mesh is never sent to a server named elsewhere.

export const SERVER_FLAG: FlagSpec = { name: 'server', type: 'string', value: 'URL', description: 'admin API of the control plane (default: $MESHGATE_SERVER, else the mesh `meshgate dev` started)' };
export const TOKEN_FLAG: FlagSpec = { name: 'token', type: 'string', value: 'T', description: 'admin API bearer token (default: $MESHGATE_TOKEN, else the one `meshgate dev` saved)' };
export const CONNECTION_FLAGS: readonly FlagSpec[] = [SERVER_FLAG, TOKEN_FLAG];

type Env = Readonly<Record<string, string | undefined>>;

export type Source = 'flag' | 'env' | 'context';

export interface Connection {
  /** Base URL without a trailing slash, e.g. http://127.0.0.1:15010 */
  server: string;
  token: string;
  serverSource: Source;
  tokenSource: Source;
  /** Where the context file is (for messages). */
  contextFile: string;
}

export const NO_MESH = 'no mesh found: start one with `npx meshgate dev`, or pass --server and --token';

/** $MESHGATE_HOME/context.json, else ~/.meshgate/context.json (the rule `meshgate dev` writes by). */
export function contextFilePath(env: Env): string {
  const dir = env.MESHGATE_HOME ? path.resolve(env.MESHGATE_HOME) : path.join(env.HOME || homedir(), '.meshgate');
  return path.join(dir, 'context.json');
}

/** The context file's `{server, token}`; undefined when absent; a CliError when it is unreadable. */
export function readContextFile(file: string): { server: string; token: string } | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(`cannot read ${file}: ${(e as Error).message}`, EXIT_ERROR, 'fix its permissions, or pass --server and --token');
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    v = undefined;
  }
  const o = v as { server?: unknown; token?: unknown } | undefined;
  if (!o || typeof o.server !== 'string' || typeof o.token !== 'string' || !o.server) {
    throw new CliError(`${file} is not a meshgate context (expected JSON {"server": URL, "token": T})`, EXIT_ERROR, 'remove it and run `npx meshgate dev` again, or pass --server and --token');
  }
  return { server: o.server, token: o.token };
}

/** `127.0.0.1:15010` → `http://127.0.0.1:15010`; drops a trailing slash; a CliError when it is no http(s) URL. */
export function normalizeServer(raw: string, source: Source): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL | undefined;
  try {
    url = new URL(withScheme);
  } catch {
    url = undefined;
  }
  const from = source === 'flag' ? '--server' : source === 'env' ? 'MESHGATE_SERVER' : 'the context file';
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new CliError(`invalid server "${raw}" (from ${from}): expected an http(s) URL such as http://127.0.0.1:15010`);
  }
  return withScheme.replace(/\/+$/, '');
}

export function resolveConnection(args: ParsedArgs, env: Env): Connection {
  const contextFile = contextFilePath(env);
  const flagServer = flagValue(args, 'server');
  const flagToken = flagValue(args, 'token');
  const envServer = env.MESHGATE_SERVER || undefined;
  const envToken = env.MESHGATE_TOKEN || undefined;
  if (flagServer === '') throw new CliError('empty --server: pass the admin API URL, e.g. http://127.0.0.1:15010');
  if (flagToken === '') throw new CliError('empty --token: pass the admin API token');

  // Read the context only when a field is still missing (a broken file must not block explicit flags).
  const needContext = (flagServer ?? envServer) === undefined || (flagToken ?? envToken) === undefined;
  const ctx = needContext ? readContextFile(contextFile) : undefined;

  let server: string;
  let serverSource: Source;
  if (flagServer !== undefined) [server, serverSource] = [normalizeServer(flagServer, 'flag'), 'flag'];
  else if (envServer !== undefined) [server, serverSource] = [normalizeServer(envServer, 'env'), 'env'];
  else if (ctx) [server, serverSource] = [normalizeServer(ctx.server, 'context'), 'context'];
  else throw new CliError(NO_MESH, EXIT_ERROR, `(looked for --server, $MESHGATE_SERVER and ${contextFile})`);

  let token: string;
  let tokenSource: Source;
  if (flagToken !== undefined) [token, tokenSource] = [flagToken, 'flag'];
  else if (envToken !== undefined) [token, tokenSource] = [envToken, 'env'];
  else if (ctx && (serverSource === 'context' || normalizeServer(ctx.server, 'context') === server)) [token, tokenSource] = [ctx.token, 'context'];
  else throw new CliError(`no token for ${server}: pass --token or set MESHGATE_TOKEN`, EXIT_ERROR, `(the token in ${contextFile} is only used for the server saved with it)`);

  return { server, token, serverSource, tokenSource, contextFile };
}

/** Where the token came from, for messages. */
export function tokenOrigin(c: Connection): string {
  return c.tokenSource === 'flag' ? '--token' : c.tokenSource === 'env' ? '$MESHGATE_TOKEN' : c.contextFile;
}
