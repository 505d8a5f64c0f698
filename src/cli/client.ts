import { CliError, EXIT_ERROR } from './errors.ts';
import { tokenOrigin, type Connection } from './connection.ts';

// The admin API over HTTP, with its failures turned into messages that say what to do:
// unreachable → is `meshgate dev` running?; 401/403 → check the token; 400 → every error on its
// own line; 5xx → the server's message.

export interface ServerError {
  document?: number;
  kind?: string;
  namespace?: string;
  name?: string;
  path?: string;
  line?: number;
  column?: number;
  message: string;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export interface RequestOptions {
  body?: string;
  contentType?: string;
  /** Statuses (≥ 400) the caller handles itself; others become a CliError. */
  accept?: readonly number[];
}

/** The 400 answer of the admin API: each validation error, for the caller to print. */
export class ValidationFailure extends CliError {
  constructor(readonly errors: readonly ServerError[]) {
    // Printed by main as `error: …` and then each error on its own line.
    super('the admin API rejected the request (400):', EXIT_ERROR, errors.map((e) => serverErrorLine(e)).join('\n'));
    this.name = 'ValidationFailure';
  }
}

const TIMEOUT_MS = 60_000;

export class AdminClient {
  constructor(readonly conn: Connection) {}

  url(path: string): string {
    return `${this.conn.server}${path}`;
  }

  async request<T = unknown>(method: string, path: string, opts: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.conn.token}`, accept: 'application/json' };
    if (opts.body !== undefined) headers['content-type'] = opts.contentType ?? 'application/yaml';
    let res: Response;
    try {
      res = await fetch(this.url(path), { method, headers, body: opts.body, signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (e) {
      throw unreachable(this.conn.server, e);
    }
    const text = await res.text().catch(() => '');
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: keep the text
    }
    if (res.status >= 400 && !opts.accept?.includes(res.status)) throw this.failure(res.status, body);
    return { status: res.status, body: body as T };
  }

  failure(status: number, body: unknown): CliError {
    const errors = serverErrors(body);
    const message = errors.map((e) => e.message).join('; ') || `HTTP ${status}`;
    if (status === 401 || status === 403) {
      return new CliError(`the admin API refused the token (${status}): check --token / MESHGATE_TOKEN`, EXIT_ERROR, `the token came from ${tokenOrigin(this.conn)}; a restarted \`meshgate dev\` has a new one (server said: ${message})`);
    }
    if (status === 400 && errors.length) return new ValidationFailure(errors);
    if (status >= 500) return new CliError(`the mesh at ${this.conn.server} answered ${status}: ${message}`);
    return new CliError(`${message} (${status})`);
  }
}

/** `{errors:[{message,…}]}` → the errors; anything else → one error with the text. */
export function serverErrors(body: unknown): ServerError[] {
  const list = (body as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(list)) return list.filter((e): e is ServerError => !!e && typeof (e as ServerError).message === 'string');
  if (typeof body === 'string' && body.trim()) return [{ message: body.trim().slice(0, 500) }];
  const m = (body as { message?: unknown } | undefined)?.message;
  return typeof m === 'string' ? [{ message: m }] : [];
}

/** One line per server validation error: `file:line:col kind/ns/name path: message`. */
export function serverErrorLine(e: ServerError, source?: string): string {
  const where = [source, e.line, e.column].filter((x) => x !== undefined).join(':');
  const what = e.kind ? `${e.kind}/${e.namespace ? `${e.namespace}/` : ''}${e.name ?? '?'}` : e.document != null ? `document ${e.document}` : '';
  const head = [where, what].filter(Boolean).join(' ');
  const path = e.path ? `${head ? ' ' : ''}${e.path}` : '';
  return `${head}${path}${head || path ? ': ' : ''}${e.message}`;
}

function unreachable(server: string, e: unknown): CliError {
  const err = e as Error & { cause?: { code?: string; message?: string; errors?: { code?: string }[] } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') {
    return new CliError(`the mesh at ${server} did not answer within ${TIMEOUT_MS / 1000}s: is \`meshgate dev\` running?`);
  }
  const code = err?.cause?.code ?? err?.cause?.errors?.find((x) => x?.code)?.code;
  const reason =
    code === 'ECONNREFUSED' ? 'connection refused'
    : code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'host not found'
    : code === 'ECONNRESET' ? 'connection reset'
    : code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' ? 'connection timed out'
    : (err?.cause?.message ?? err?.message ?? String(e));
  return new CliError(`cannot reach the mesh at ${server}: is \`meshgate dev\` running? (${reason})`, EXIT_ERROR, 'start it with `npx meshgate dev`, or point --server / MESHGATE_SERVER at a running control plane');
}
