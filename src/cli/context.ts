import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

// The CLI context: which control plane later verbs (apply, get, proxy-status, …) talk to and
// with which token. `meshgate dev` writes it when the mesh is up and removes it on exit.
// Location: $MESHGATE_HOME/context.json, else ~/.meshgate/context.json; mode 0600 (it holds a
// bearer token), directory 0700.

export interface CliContext {
  /** Admin API base URL, e.g. http://127.0.0.1:15010 */
  server: string;
  token: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function contextDir(env: Env = process.env): string {
  return env.MESHGATE_HOME ? path.resolve(env.MESHGATE_HOME) : path.join(env.HOME || homedir(), '.meshgate');
}

export const contextPath = (env: Env = process.env) => path.join(contextDir(env), 'context.json');

/** The saved context, or undefined when there is none (or it is unreadable or malformed). */
export function readContext(env: Env = process.env): CliContext | undefined {
  try {
    const v = JSON.parse(readFileSync(contextPath(env), 'utf8')) as Partial<CliContext>;
    return typeof v.server === 'string' && typeof v.token === 'string' ? { server: v.server, token: v.token } : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the context atomically with mode 0600; returns the file path. */
export function writeContext(ctx: CliContext, env: Env = process.env): string {
  const dir = contextDir(env);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, 'context.json');
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ server: ctx.server, token: ctx.token }, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600); // in case the umask or an existing file interfered
  renameSync(tmp, file);
  return file;
}

/**
 * Removes the context file. With `onlyIf`, only when it still names that server (another
 * `meshgate dev` started later may have replaced it). Synchronous, so exit handlers can call it.
 */
export function removeContext(env: Env = process.env, onlyIf?: CliContext): void {
  if (onlyIf) {
    const cur = readContext(env);
    if (!cur || cur.server !== onlyIf.server || cur.token !== onlyIf.token) return;
  }
  rmSync(contextPath(env), { force: true });
}
