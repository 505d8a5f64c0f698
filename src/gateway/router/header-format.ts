import type { HeaderBag } from '../http/header-map.ts';
import type { MatchInput } from '../routing/match-input.ts';

// Envoy's formatter in header values (request_headers_to_add, response_headers_to_add): `%%` is
// a literal `%`; `%COMMAND%` / `%COMMAND(ARG)%` is replaced per request. Parsed once per snapshot;
// a value without commands stays a plain string, so static headers cost nothing extra.
// https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_conn_man/headers#custom-request-response-headers
// https://www.envoyproxy.io/docs/envoy/latest/configuration/observability/access_log/usage#command-operators

export interface FormatContext {
  clientIp: string | null;
  /** The request as routed: its headers as the gateway forwards them, path, method, scheme. */
  request: Pick<MatchInput, 'headers' | 'path' | 'query' | 'method' | 'scheme'>;
  /** The response, for response header operations. */
  response?: { headers: HeaderBag; status: number };
}

export type Formatted = (ctx: FormatContext) => string;
/** A compiled header value: the literal itself, or a function of the request. */
export type HeaderValue = string | Formatted;

type Part = string | Formatted;

type Reader = (ctx: FormatContext) => string | null;

// Pseudo-headers as Envoy sees them; `:authority` is the Host header the gateway keeps.
const REQUEST_PSEUDO: Readonly<Record<string, Reader>> = {
  ':authority': (c) => c.request.headers.get('host'),
  ':path': (c) => (c.request.query ? `${c.request.path}?${c.request.query}` : c.request.path),
  ':method': (c) => c.request.method,
  ':scheme': (c) => c.request.scheme,
};
const RESPONSE_PSEUDO: Readonly<Record<string, Reader>> = { ':status': (c) => (c.response ? String(c.response.status) : null) };

function reader(name: string, side: 'request' | 'response'): Reader {
  const n = name.trim().toLowerCase();
  if (!n) throw new Error('needs a header name');
  if (n.startsWith(':')) {
    const pseudo = (side === 'request' ? REQUEST_PSEUDO : RESPONSE_PSEUDO)[n];
    if (!pseudo) throw new Error(`${name} is not a ${side} pseudo-header`);
    return pseudo;
  }
  return side === 'request' ? (c) => c.request.headers.get(n) : (c) => c.response?.headers.get(n) ?? null;
}

/** `REQ(X?Y):Z`: header X, else Y, cut to Z characters. */
function headerCommand(arg: string, max: number | undefined, side: 'request' | 'response'): Formatted {
  const [main, alt] = arg.split('?');
  const first = reader(main ?? '', side);
  const second = alt !== undefined ? reader(alt, side) : undefined;
  return (ctx) => {
    const v = first(ctx) ?? second?.(ctx) ?? '';
    return max !== undefined ? v.slice(0, max) : v;
  };
}

/** A command meshgate does not evaluate: empty, so the header is not added (apply warned). */
const notEvaluated: Formatted = () => '';

// Workers do not expose the client's source port, so the with-port forms give the address alone.
const clientAddress: Formatted = (ctx) => ctx.clientIp ?? '';

// The names here and config/kinds/networking/http-headers.ts SUPPORTED_HEADER_COMMANDS agree.
const COMMANDS: Readonly<Record<string, (arg: string | undefined, max: number | undefined) => Formatted>> = {
  REQ: (arg, max) => headerCommand(arg ?? '', max, 'request'),
  RESP: (arg, max) => headerCommand(arg ?? '', max, 'response'),
  DOWNSTREAM_REMOTE_ADDRESS: () => clientAddress,
  DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT: () => clientAddress,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS: () => clientAddress,
  DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT: () => clientAddress,
  // Envoy's default START_TIME format (%Y-%m-%dT%H:%M:%E3SZ); a custom format is not evaluated.
  START_TIME: (arg) => (arg === undefined ? () => new Date().toISOString() : notEvaluated),
};

/** Compiles a header value; throws (NACK) on syntax Envoy rejects. */
export function compileHeaderValue(value: string): HeaderValue {
  if (!value.includes('%')) return value;
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < value.length) {
    const c = value[i]!;
    if (c !== '%') {
      lit += c;
      i++;
      continue;
    }
    if (value[i + 1] === '%') {
      lit += '%';
      i += 2;
      continue;
    }
    const end = commandEnd(value, i + 1);
    if (end < 0) throw new Error(`header value ${JSON.stringify(value)}: un-terminated %COMMAND%`);
    const m = /^([A-Z_0-9]+)(?:\((.*)\))?(?::(\d+))?$/s.exec(value.slice(i + 1, end));
    if (!m) throw new Error(`header value ${JSON.stringify(value)}: cannot parse ${JSON.stringify(value.slice(i, end + 1))}`);
    const make = COMMANDS[m[1]!];
    if (lit) parts.push(lit);
    lit = '';
    try {
      parts.push(make ? make(m[2], m[3] !== undefined ? Number(m[3]) : undefined) : notEvaluated);
    } catch (e) {
      throw new Error(`header value ${JSON.stringify(value)}: %${m[1]}%: ${(e as Error).message}`);
    }
    i = end + 1;
  }
  if (lit) parts.push(lit);
  if (parts.every((p) => typeof p === 'string')) return parts.join('');
  if (parts.length === 1) return parts[0]!;
  return (ctx) => {
    let out = '';
    for (const p of parts) out += typeof p === 'string' ? p : p(ctx);
    return out;
  };
}

/** The `%` closing a command that starts at `from`, skipping a parenthesised argument. */
function commandEnd(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '%' && depth === 0) return i;
  }
  return -1;
}
