import { z } from 'zod';
import { HEADER_NAME } from '../../syntax/common.ts';

// Headers / HeaderOperations (virtual_service.proto) with Istio's name and value rules
// (validation.go ValidateHTTPHeaderWithAuthorityOperationName, ValidateHTTPHeaderOperationName,
// ValidateHTTPHeaderValue; header_value_validator.go, a port of Envoy's header_parser.cc).
// Translation: `set` ⇒ OVERWRITE_IF_EXISTS_OR_ADD, `add` ⇒ APPEND_IF_EXISTS_OR_ADD.

/** `:authority` or `Host` (any case): setting it rewrites the authority. */
export const isAuthorityHeader = (name: string) => /^(:authority|host)$/i.test(name);
const isInternalHeader = (name: string) => name.startsWith(':') || name.toLowerCase() === 'host';

/** Request set/add: `:authority`/`Host` allowed (authority rewrite), other internal names not. */
function requestSetNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (isInternalHeader(name) && !isAuthorityHeader(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return tokenError(name);
}

/**
 * Istio checks no more, and Envoy would carry such a name; the Workers runtime cannot (its
 * Headers take RFC 9110 tokens only), so meshgate refuses it here rather than at every request.
 */
function tokenError(name: string): string | undefined {
  return name.startsWith(':') || HEADER_NAME.test(name) ? undefined : `invalid header name ${JSON.stringify(name)}: a header name is an RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~)`;
}

/** Request remove and every response operation. */
function operationNameError(name: string): string | undefined {
  if (name === '') return 'header name cannot be empty';
  if (name.toLowerCase() === 'host') return `invalid header ${JSON.stringify(name)}: cannot set Host header`;
  if (isInternalHeader(name)) return `invalid header ${JSON.stringify(name)}: header cannot have ":" prefix`;
  return tokenError(name);
}

// Control characters other than TAB are never valid in a header value.
const CONTROL = /[\u0000-\u0008\u000A-\u001F\u007F]/;

/**
 * Envoy's `%VAR%` / `%VAR(["arg", ...])%` formatter syntax: `%%` is a literal `%`. Returns why
 * the value cannot be parsed, or undefined.
 */
export function headerFormatError(value: string): string | undefined {
  type State = 'literal' | 'name' | 'array' | 'string' | 'inString' | 'delim' | 'argsEnd' | 'varEnd';
  let state: State = 'literal';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    const space = ch === ' ';
    switch (state) {
      case 'literal':
        if (ch !== '%') break;
        if (i + 1 >= value.length) return 'invalid header configuration. Un-escaped %';
        if (value[i + 1] === '%') i++;
        else state = 'name';
        break;
      case 'name':
        if (ch === '%') state = 'literal';
        else if (ch === '(') state = 'array';
        break;
      case 'array':
        if (ch === '[') state = 'string';
        else if (!space) state = 'inString';
        break;
      case 'string':
        if (ch === '"') state = 'inString';
        else if (!space) return `invalid header configuration. Expecting '"'`;
        break;
      case 'inString':
        if (ch === '\\') {
          if (i + 1 >= value.length) return 'invalid header configuration. Un-terminated backslash in JSON string';
          i++;
        } else if (ch === ')') state = 'varEnd';
        else if (ch === '"') state = 'delim';
        break;
      case 'delim':
        if (ch === ',') state = 'string';
        else if (ch === ']') state = 'argsEnd';
        else if (!space) return "invalid header configuration. Expecting ',', ']', or whitespace";
        break;
      case 'argsEnd':
        if (ch === ')') state = 'varEnd';
        else if (!space) return "invalid header configuration. Expecting ')' or whitespace";
        break;
      case 'varEnd':
        if (ch === '%') state = 'literal';
        else if (!space) return "invalid header configuration. Expecting '%' or whitespace";
        break;
    }
  }
  return state === 'literal' ? undefined : `invalid header configuration. Un-terminated variable expression '${value}'`;
}

/**
 * The formatter commands meshgate's gateways evaluate (src/gateway/router/header-format.ts).
 * Any other command gives an empty value, so the header is not added: check() warns.
 */
export const SUPPORTED_HEADER_COMMANDS: ReadonlySet<string> = new Set(['REQ', 'RESP', 'DOWNSTREAM_REMOTE_ADDRESS', 'DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS', 'DOWNSTREAM_DIRECT_REMOTE_ADDRESS_WITHOUT_PORT', 'START_TIME']);

/** The formatter commands in a value (one headerFormatError accepts) that meshgate does not evaluate. */
export function unsupportedHeaderCommands(value: string): string[] {
  // START_TIME is evaluated in Envoy's default format only, not with a format argument.
  if (!value.includes('%')) return [];
  const out: string[] = [];
  for (const c of headerCommands(value)) {
    const n = commandName(c);
    if (!SUPPORTED_HEADER_COMMANDS.has(n)) out.push(n);
    else if (n === 'START_TIME' && c !== n) out.push(c);
  }
  return out;
}

const commandName = (command: string) => /^[^(:]*/.exec(command)![0];

const REQUEST_PSEUDO = new Set([':authority', ':path', ':method', ':scheme']);

/** Why a command cannot be compiled (Envoy would reject the config), or undefined. */
function commandError(command: string): string | undefined {
  const m = /^([A-Z][A-Z0-9_]*)(?:\((.*)\))?(?::\d+)?$/s.exec(command);
  if (!m) return `%${command}% is not a formatter command (COMMAND or COMMAND(ARG), upper case; %% is a literal %)`;
  if (m[1] !== 'REQ' && m[1] !== 'RESP') return undefined;
  for (const h of (m[2] ?? '').split('?')) {
    const n = h.trim().toLowerCase();
    if (!n) return `%${command}% needs a header name`;
    if (n.startsWith(':') && !(m[1] === 'REQ' ? REQUEST_PSEUDO.has(n) : n === ':status')) return `%${command}%: ${n} is not a ${m[1] === 'REQ' ? 'request' : 'response'} pseudo-header`;
  }
  return undefined;
}

function headerCommands(value: string): string[] {
  const commands: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (value[i] !== '%') continue;
    if (value[i + 1] === '%') {
      i++;
      continue;
    }
    const start = i + 1;
    let depth = 0;
    for (i = start; i < value.length; i++) {
      if (value[i] === '(') depth++;
      else if (value[i] === ')') depth = Math.max(0, depth - 1);
      else if (value[i] === '%' && depth === 0) break;
    }
    commands.push(value.slice(start, i));
  }
  return commands;
}

export function headerValueError(value: string): string | undefined {
  if (CONTROL.test(value)) return `header value configuration ${value} is invalid`;
  const err = headerFormatError(value);
  if (err) return `header value configuration: ${err}`;
  const bad = value.includes('%') ? headerCommands(value).map(commandError).find((e) => e !== undefined) : undefined;
  return bad ? `header value configuration: ${bad}` : undefined;
}

function operations(setNameError: (n: string) => string | undefined) {
  return z
    .strictObject({
      /** Overwrite (or add) these headers. */
      set: z.record(z.string(), z.string()).optional(),
      /** Append these values (comma-joined with existing ones). */
      add: z.record(z.string(), z.string()).optional(),
      remove: z.array(z.string()).optional(),
    })
    .superRefine((ops, ctx) => {
      for (const field of ['set', 'add'] as const) {
        for (const [name, value] of Object.entries(ops[field] ?? {})) {
          const nameErr = setNameError(name);
          if (nameErr) ctx.addIssue({ code: 'custom', path: [field, name], message: nameErr });
          const valueErr = headerValueError(value);
          if (valueErr) ctx.addIssue({ code: 'custom', path: [field, name], message: valueErr });
        }
      }
      for (const [i, name] of (ops.remove ?? []).entries()) {
        const err = operationNameError(name);
        if (err) ctx.addIssue({ code: 'custom', path: ['remove', i], message: err });
      }
    });
}

export const requestHeaderOperations = operations(requestSetNameError);
export const responseHeaderOperations = operations(operationNameError);
export type HeaderOperations = z.infer<typeof requestHeaderOperations>;

/** Header manipulation for a route or a destination. */
export const headers = z.strictObject({
  request: requestHeaderOperations.optional(),
  response: responseHeaderOperations.optional(),
});
export type Headers = z.infer<typeof headers>;
